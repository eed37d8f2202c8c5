/** The operator's pause paths (src/http/routes/admin-pause.ts), described like the rest of the operator API. */
import { json, SIGNED, SIGNED_ANSWERS } from './additions.js';

type Json = Record<string, unknown>;

const ADMIN = 'OpenDIP addition: the operator API, open only to participants holding the OPERATOR role';
const TAGS = ['OpenDIP Operator'];
const nullable = (description: string): Json => ({ type: 'string', nullable: true, description });

const PAUSE: Json = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['ingress', 'delivery'] },
    channel: nullable('null: every channel'),
    recipient: nullable('null: every recipient'),
    role: nullable('null: every role'),
    scope: { type: 'string', description: 'The pause in words' },
    reason: { type: 'string', nullable: true },
    retryAfter: { type: 'integer', nullable: true, description: 'Seconds; null: the DIP’s --pause-retry-after' },
    pausedBy: { type: 'string' },
    pausedAt: { type: 'string', format: 'date-time' },
  },
};
const PAUSES = { type: 'array', items: PAUSE };

const scopeBody = (resume: boolean): Json => ({
  required: true,
  content: json({
    type: 'object',
    description: resume
      ? 'The scope of the pause to end, exactly as it was paused'
      : 'Ingress on one channel or every channel, or delivery on a channel, optionally to one recipient (and role)',
    properties: {
      ingress: { type: 'boolean', enum: [true] },
      delivery: { type: 'boolean', enum: [true] },
      channel: {
        type: 'string',
        description: 'IF-xxx (STATUS for status messages); ingress without it: every channel',
      },
      recipient: { type: 'string', description: 'Delivery only: the recipient’s DIP id' },
      role: { type: 'string', description: 'Delivery only, with recipient: one endpoint' },
      ...(resume ? {} : { retryAfter: { type: 'integer', minimum: 1, maximum: 86400, description: 'Ingress only' } }),
      reason: { type: 'string', maxLength: 500 },
    },
    additionalProperties: false,
  }),
});

export const ADMIN_PAUSE_PATHS: Record<string, Json> = {
  '/admin/pause': {
    'x-opendip': ADMIN,
    post: {
      summary: 'Pause ingress (sends answered 503 with Retry-After) or delivery (copies wait, pending)',
      operationId: 'opendipAdminPause',
      tags: TAGS,
      parameters: [...SIGNED],
      requestBody: scopeBody(false),
      responses: {
        '200': { description: 'The pause, in force', content: json({ type: 'object', properties: { paused: PAUSE } }) },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/admin/resume': {
    'x-opendip': ADMIN,
    post: {
      summary: 'End a pause; delivery resumed is woken at once',
      operationId: 'opendipAdminResume',
      tags: TAGS,
      parameters: [...SIGNED],
      requestBody: scopeBody(true),
      responses: {
        '200': {
          description: 'The pause ended, and those still in force',
          content: json({ type: 'object', properties: { resumed: { type: 'string' }, pauses: PAUSES } }),
        },
        '404': { description: 'No pause of that scope is in force' },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/admin/pauses': {
    'x-opendip': ADMIN,
    get: {
      summary: 'Every pause in force',
      operationId: 'opendipAdminPauses',
      tags: TAGS,
      parameters: [...SIGNED],
      responses: {
        '200': { description: 'The pauses', content: json({ type: 'object', properties: { pauses: PAUSES } }) },
        ...SIGNED_ANSWERS,
      },
    },
  },
};
