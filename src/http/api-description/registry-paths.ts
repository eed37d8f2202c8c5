/**
 * The registry's paths: the operator's (src/http/routes/admin-registry.ts) and the serving participant's
 * MPAN query (src/http/routes/mpans.ts), described like OpenDIP's other additions.
 */
import { json, query, schema, SIGNED, SIGNED_ANSWERS } from './additions.js';

type Json = Record<string, unknown>;

const ADMIN = 'OpenDIP addition: the operator API, open only to participants holding the OPERATOR role';
const MPAN_QUERY =
  'OpenDIP addition: who serves an MPAN, for a participant that serves it (the published API has no registry path)';
const TAGS = ['OpenDIP Operator'];
const nullableTime = { type: 'string', format: 'date-time', nullable: true };
const object = (properties: Json): Json => ({ type: 'object', properties });

const MPAN = { name: 'mpan', in: 'path', required: true, description: 'An MPAN core', schema: schema('DT-002-MPAN') };
const AT = query('at', 'The moment asked about (DT-003 or ISO 8601); default now', { type: 'string' });
const APPOINTMENT = object({
  service: { type: 'string', enum: ['SUP', 'LDSO', 'MS', 'DS', 'MDR', 'REGS'] },
  participantId: { type: 'string' },
  roles: { type: 'array', items: { type: 'string' } },
  from: { type: 'string', format: 'date-time' },
  to: nullableTime,
  appointedBy: {
    ...object({ channel: { type: 'string', nullable: true }, transactionId: { type: 'string', nullable: true } }),
    nullable: true,
    description: 'The message that made the appointment; null for an operator’s import',
  },
});
const SERVICES = {
  type: 'object',
  description: 'Every service (SUP, LDSO, MS, DS, MDR, REGS) with its appointment at `at`, or null',
  additionalProperties: { ...APPOINTMENT, nullable: true },
};
const LIFECYCLE = {
  registeredAt: { type: 'string', format: 'date-time' },
  activeFrom: nullableTime,
  deactivatedAt: nullableTime,
  revokedAt: nullableTime,
};
const STATE = (extra: string[]): Json => ({
  type: 'string',
  enum: ['active', 'not-yet-active', 'deactivated', 'revoked', ...extra],
});

const get = (summary: string, operationId: string, parameters: Json[], ok: Json): Json => ({
  'x-opendip': ADMIN,
  get: {
    summary,
    operationId,
    tags: TAGS,
    parameters: [...parameters, ...SIGNED],
    responses: { '200': { description: 'The answer', content: json(ok) }, ...SIGNED_ANSWERS },
  },
});

export const REGISTRY_PATHS: Record<string, Json> = {
  '/admin/participants': get(
    'Participants with their roles, whom each acts for as a DCP and to which DCP each assigned a role',
    'opendipAdminParticipants',
    [],
    object({
      participants: {
        type: 'array',
        items: object({
          dipId: { type: 'string' },
          name: { type: 'string' },
          roles: { type: 'array', items: { type: 'string' } },
          actsFor: { type: 'array', items: object({ participantId: { type: 'string' }, role: { type: 'string' } }) },
          assignedTo: { type: 'array', items: object({ role: { type: 'string' }, dcpId: { type: 'string' } }) },
        }),
      },
    }),
  ),
  '/admin/certificates': get(
    'Registered certificates (by expiry) and API keys, each with its activation, deactivation and revocation',
    'opendipAdminCertificates',
    [
      query(
        'expiringWithinDays',
        'Only certificates whose validity ends within this many days (expired ones too); no API keys',
        {
          type: 'integer',
          minimum: 0,
        },
      ),
    ],
    object({
      certificates: {
        type: 'array',
        items: object({
          fingerprint: { type: 'string' },
          dipId: { type: 'string' },
          subject: { type: 'string' },
          notAfter: { type: 'string', format: 'date-time' },
          daysLeft: { type: 'integer' },
          state: STATE(['expired']),
          ...LIFECYCLE,
        }),
      },
      apiKeys: {
        type: 'array',
        items: object({
          keyHash: { type: 'string' },
          dipId: { type: 'string' },
          label: { type: 'string' },
          state: STATE([]),
          ...LIFECYCLE,
        }),
      },
    }),
  ),
  '/admin/mpans/{mpan}': get(
    'Who serves an MPAN at a time (default now), each appointment with the message that made it, and the history',
    'opendipAdminMpan',
    [MPAN, AT],
    object({
      mpan: { type: 'string' },
      at: { type: 'string' },
      services: SERVICES,
      history: { type: 'array', items: APPOINTMENT },
    }),
  ),
  '/mpans/{mpan}/appointments': {
    'x-opendip': MPAN_QUERY,
    get: {
      summary: 'Who serves an MPAN at a time (default now), for a caller that serves it now or did then',
      operationId: 'opendipMpanAppointments',
      tags: ['OpenDIP Registry'],
      parameters: [MPAN, AT, ...SIGNED],
      responses: {
        '200': {
          description: 'The services at `at`',
          content: json(object({ mpan: { type: 'string' }, at: { type: 'string' }, services: SERVICES })),
        },
        '204': { description: 'No Content: nobody serves it, or the caller does not' },
        ...SIGNED_ANSWERS,
      },
    },
  },
};
