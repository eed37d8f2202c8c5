/** The operator API's release and endpoint paths (src/http/routes/admin-release.ts, admin-endpoints.ts). */
import { json, query, schema, SIGNED, SIGNED_ANSWERS } from './additions.js';

type Json = Record<string, unknown>;

const ADMIN = 'OpenDIP addition: the operator API, open only to participants holding the OPERATOR role';
const TAGS = ['OpenDIP Operator'];
const object = (properties: Json): Json => ({ type: 'object', properties });

const ENDPOINT = object({
  recipientId: { type: 'string' },
  channel: { type: 'string' },
  role: { type: 'string', nullable: true, description: 'null: the recipient’s status messages' },
  breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
  breakerUntil: { type: 'string', format: 'date-time', nullable: true },
  nextAttemptAt: { type: 'string', format: 'date-time', nullable: true },
  leased: { type: 'boolean', description: 'a delivery runner holds the endpoint now' },
  webhook: { type: 'boolean', description: 'a webhook is configured for the recipient, channel and role' },
  waiting: { type: 'boolean', description: 'parked: copies pending, none sent until a webhook is configured' },
  pending: { type: 'integer', description: 'copies pending, counted up to 10,000' },
  pendingAtLeast: { type: 'boolean', description: 'more copies pending than counted' },
  lastStatus: { type: 'integer', nullable: true, description: 'of the copy next due' },
  lastError: { type: 'string', nullable: true, description: 'of the copy next due' },
});

export const ADMIN_OPS_PATHS: Record<string, Json> = {
  '/admin/deliveries/release': {
    'x-opendip': ADMIN,
    post: {
      summary:
        'Give up on held and pending copies (never those of an endpoint a runner holds now): they end dead, journaled Released, and each message’s sender gets a status message',
      operationId: 'opendipAdminRelease',
      tags: TAGS,
      parameters: [...SIGNED],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          description:
            '{"ids": [...]} or a filter (recipient required; state held, pending or waiting, role, channel, olderThanMinutes optional). At most 5,000 copies per call; `more` says to call again.',
        }),
      },
      responses: {
        '200': {
          description: 'How many copies were released',
          content: json(object({ released: { type: 'integer' }, more: { type: 'boolean' } })),
        },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/admin/endpoints': {
    'x-opendip': ADMIN,
    get: {
      summary: 'Delivery endpoints (recipient × channel × role): breaker, next attempt, webhook, copies pending',
      operationId: 'opendipAdminListEndpoints',
      tags: TAGS,
      parameters: [
        query('recipient', 'The recipient’s DIP id'),
        query('channel', 'A channel, or STATUS', schema('DT-000-InterfaceID')),
        query('role', 'The recipient’s role; STATUS for status messages'),
        query('breaker', 'Only endpoints whose breaker is in this state', {
          type: 'string',
          enum: ['closed', 'open', 'half-open'],
        }),
        query('after', 'The `next` of the previous page'),
        query('limit', 'Endpoints per page', { type: 'integer', minimum: 1, maximum: 100, default: 50 }),
        ...SIGNED,
      ],
      responses: {
        '200': {
          description: 'A page of endpoints, by recipient, channel and role',
          content: json(
            object({ endpoints: { type: 'array', items: ENDPOINT }, next: { type: 'string', nullable: true } }),
          ),
        },
        ...SIGNED_ANSWERS,
      },
    },
  },
};
