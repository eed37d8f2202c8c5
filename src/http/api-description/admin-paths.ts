/** The operator API's paths (src/http/routes/admin.ts), described like OpenDIP's other additions. */
import { json, query, schema, SIGNED, SIGNED_ANSWERS } from './additions.js';
import { ADMIN_BEHALF_PATHS } from './admin-behalf-paths.js';
import { ADMIN_PAUSE_PATHS } from './admin-pause-paths.js';

type Json = Record<string, unknown>;

const ADMIN = 'OpenDIP addition: the operator API, open only to participants holding the OPERATOR role';
const TAGS = ['OpenDIP Operator'];

const FILTER = [
  query('state', 'pending, waiting (for a webhook), held or dead', {
    type: 'string',
    enum: ['pending', 'waiting', 'held', 'dead'],
  }),
  query('recipient', 'The recipient’s DIP id'),
  query('role', 'The recipient’s role; STATUS for status messages'),
  query('channel', 'A channel, or STATUS', schema('DT-000-InterfaceID')),
  query('olderThanMinutes', 'Only copies created at least this long ago', { type: 'integer', minimum: 0 }),
];

const object = (properties: Json): Json => ({ type: 'object', properties });
const COPY = object({
  id: { type: 'integer' },
  kind: { type: 'string', enum: ['message', 'status'] },
  recipientId: { type: 'string' },
  role: { type: 'string', nullable: true },
  channel: { type: 'string' },
  state: { type: 'string' },
  transactionId: { type: 'string', nullable: true },
  createdAt: { type: 'string', format: 'date-time' },
  attempts: { type: 'integer' },
  nextAttemptAt: { type: 'string', format: 'date-time' },
  lastStatus: { type: 'integer', nullable: true },
  lastError: { type: 'string', nullable: true },
});
const SELECTOR = {
  required: true,
  content: json({
    type: 'object',
    description:
      '{"ids": [...]} or a filter (recipient required; state, role, channel, olderThanMinutes optional). At most 5,000 copies per call; `more` says to call again.',
  }),
};
const ACTION_RESULT = (verb: string): Json => ({
  '200': {
    description: `How many copies were ${verb}`,
    content: json(object({ [verb]: { type: 'integer' }, more: { type: 'boolean' } })),
  },
  ...SIGNED_ANSWERS,
});

export const ADMIN_PATHS: Record<string, Json> = {
  '/admin/deliveries/count': {
    'x-opendip': ADMIN,
    get: {
      summary: 'Count copies by state and filter (up to 100,000; above it `atLeast`)',
      operationId: 'opendipAdminCountDeliveries',
      tags: TAGS,
      parameters: [...FILTER, ...SIGNED],
      responses: {
        '200': {
          description: 'The count',
          content: json(
            object({ state: { type: 'string' }, count: { type: 'integer' }, atLeast: { type: 'boolean' } }),
          ),
        },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/admin/deliveries': {
    'x-opendip': ADMIN,
    get: {
      summary: 'List copies by state and filter, by endpoint and next attempt',
      operationId: 'opendipAdminListDeliveries',
      tags: TAGS,
      parameters: [
        ...FILTER,
        query('after', 'The `next` of the previous page'),
        query('limit', 'Copies per page', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        ...SIGNED,
      ],
      responses: {
        '200': {
          description: 'A page of copies',
          content: json(object({ copies: { type: 'array', items: COPY }, next: { type: 'string', nullable: true } })),
        },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/admin/deliveries/redrive': {
    'x-opendip': ADMIN,
    post: {
      summary: 'Held and dead copies become pending and due now; their endpoints’ breakers close',
      operationId: 'opendipAdminRedrive',
      tags: TAGS,
      parameters: [...SIGNED],
      requestBody: SELECTOR,
      responses: ACTION_RESULT('redriven'),
    },
  },
  ...ADMIN_BEHALF_PATHS,
  ...ADMIN_PAUSE_PATHS,
};
