/**
 * What OpenDIP serves beyond the published DIP document, described in OpenAPI 3.0 so that one document covers
 * every route. Each item carries `x-opendip`, saying why it is there, so a reader (or a tool) can tell it from
 * what Elexon published. Names of OpenDIP's own components start `OpenDIP-`, so a later published release can
 * never collide with them.
 */
type Json = Record<string, unknown>;

const ref = (section: string, name: string): Json => ({ $ref: `#/components/${section}/${name}` });
export const schema = (name: string): Json => ref('schemas', name);
export const json = (s: Json): Json => ({ 'application/json': { schema: s } });

/** The four X-DIP-* signature headers, as the published document declares them. */
export const SIGNED = [
  'CommonSignatureHeader',
  'CommonSignatureDateHeader',
  'CommonSHA256Header',
  'CommonSignatureCertifcateHeader',
].map((p) => ref('parameters', p));

const REFUSED = { description: 'Bad Request', content: json(schema('StandardResponse')) };
export const SIGNED_ANSWERS = {
  '400': REFUSED,
  '401': { description: 'Unauthorised Error' },
  '403': { description: 'Forbidden' },
  '429': { description: 'Too Many Requests' },
};

export const query = (name: string, description: string, s: Json = { type: 'string' }): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: s,
});

const FROM_2_2_1 = "in Elexon's 2.2.1 release, not in the bundled 2.1.0 document (dip-api-2.2.1-facts.md)";
const AUDIT = 'OpenDIP addition: the published API has no audit path (seed §7, docs/decisions.md#audit-search)';
const SERVICE = 'OpenDIP addition: served by this DIP for operators and tools, outside the DIP API';

/** The query parameter that configures one role's webhook (docs/decisions.md#entitlement-by-role). */
export const ROLE_PARAMETER: Json = {
  ...query(
    'role',
    'The role whose webhook this call sets or deletes; without it, the participant’s channel-wide webhook (or, for a DIP Connection Provider, one per role assigned to it).',
    schema('DT-009-DIPParticipantRole'),
  ),
  'x-opendip': 'OpenDIP addition: webhooks are kept per role; the published paths carry no role',
};

/** Path items of the DIP API (under the /{version} server) that OpenDIP serves and the bundled document lacks. */
export const VERSIONED_PATHS: Record<string, Json> = {
  '/dip-channel/{id}/requeueStatus/{recipient-id}': {
    'x-opendip': FROM_2_2_1,
    get: {
      summary: 'Status of requeue requests',
      operationId: 'requeueStatus',
      tags: ['DIP Channel Replay/Requeue'],
      parameters: [
        ref('parameters', 'MessageChannel'),
        ref('parameters', 'MessageRecipientId'),
        ref('parameters', 'RequeueId'),
        ...SIGNED,
      ],
      responses: {
        '200': { description: 'Requeue Information', content: json(schema('OpenDIP-RequeueStatusArray')) },
        '204': { description: 'No Content' },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/dip-channel/{id}/deliveryStatus/{recipient-id}/{message-id}': {
    'x-opendip': FROM_2_2_1,
    get: {
      summary: 'Provides the processing details of the message',
      description: 'Reports on the status of a message identified by its Sender Unique Reference.',
      operationId: 'deliveryStatus',
      tags: ['DIP Message Delivery Status'],
      parameters: [
        ref('parameters', 'MessageChannel'),
        ref('parameters', 'MessageRecipientId'),
        { name: 'message-id', in: 'path', required: true, schema: schema('DT-995-SenderUniqueReference') },
        ...SIGNED,
      ],
      responses: {
        '200': { description: 'DIP Journalling Information', content: json(schema('OpenDIP-JournalRecord')) },
        '204': { description: 'No Content: no such message, or not one the caller may see' },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/statusmessage/replay/{recipient-id}': {
    'x-opendip': FROM_2_2_1,
    post: {
      summary: 'Replay Status Messages',
      operationId: 'replayStatusMessage',
      tags: ['Status Message Replay/Requeue'],
      parameters: [ref('parameters', 'MessageRecipientId'), ref('parameters', 'ContinuationToken'), ...SIGNED],
      requestBody: { required: true, content: json(schema('StatusMessageRequest')) },
      responses: {
        '200': { description: 'Replayed Status Messages', content: json(schema('StandardResponseArray')) },
        '206': {
          description: 'Replayed Status Messages - more data',
          headers: { 'X-Continuation-Token': { schema: { type: 'string' } } },
          content: json(schema('StandardResponseArray')),
        },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/statusmessage/requeue/{recipient-id}': {
    'x-opendip': FROM_2_2_1,
    post: {
      summary: 'Requeue Status Messages',
      operationId: 'requeueStatusMessage',
      tags: ['Status Message Replay/Requeue'],
      parameters: [ref('parameters', 'MessageRecipientId'), ...SIGNED],
      requestBody: { required: true, content: json(schema('StatusMessageRequest')) },
      responses: {
        '202': { description: 'Status Messages Requeued', content: json(schema('RequeueId')) },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/statusmessage/requeueStatus/{recipient-id}': {
    'x-opendip': FROM_2_2_1,
    get: {
      summary: 'Status of status-message requeue requests',
      operationId: 'requeueStatusMessageStatus',
      tags: ['Status Message Replay/Requeue'],
      parameters: [ref('parameters', 'MessageRecipientId'), ref('parameters', 'RequeueId'), ...SIGNED],
      responses: {
        '200': { description: 'Requeue Information', content: json(schema('OpenDIP-RequeueStatusArray')) },
        '204': { description: 'No Content' },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/audit/messages': {
    'x-opendip': AUDIT,
    get: {
      summary: 'Search the messages the caller may see',
      description:
        'Messages the caller sent (also as a DIP Connection Provider), and those sent by or addressed to a participant in a role it acts in, oldest first. Page on with `after` set to the `next` of the previous page.',
      operationId: 'opendipAuditMessages',
      tags: ['OpenDIP Audit'],
      parameters: [
        query('channel', 'A channel, e.g. IF-021', schema('DT-000-InterfaceID')),
        query('transactionID', 'The DIP transaction id'),
        query('senderUniqueReference', 'The SUR'),
        query('correlationID', 'The DIP correlation id'),
        query('datetimeFrom', 'Received at or after, e.g. 2026-11-28T00:00:00+00:00'),
        query('datetimeTo', 'Received at or before'),
        query('MPAN', 'The MPAN core the message is about'),
        query('senderID', 'The sending participant'),
        query('recipientID', 'A receiving participant'),
        query('after', 'The `next` cursor of the previous page'),
        query('limit', 'Messages per page', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        query('journal', 'Include each message’s journal and evidence', { type: 'boolean', default: false }),
        ...SIGNED,
      ],
      responses: {
        '200': { description: 'A page of messages', content: json(schema('OpenDIP-AuditMessagePage')) },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/audit/messages/{transactionID}': {
    'x-opendip': AUDIT,
    get: {
      summary: 'One message, its journal and the evidence of what its sender signed',
      operationId: 'opendipAuditMessage',
      tags: ['OpenDIP Audit'],
      parameters: [{ name: 'transactionID', in: 'path', required: true, schema: { type: 'string' } }, ...SIGNED],
      responses: {
        '200': { description: 'The audit record', content: json(schema('OpenDIP-AuditRecord')) },
        '204': { description: 'No Content: no such message, or not one the caller may see' },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/audit/calls': {
    'x-opendip': AUDIT,
    get: {
      summary: 'The caller’s own API calls, newest first',
      operationId: 'opendipAuditCalls',
      tags: ['OpenDIP Audit'],
      parameters: [
        query('datetimeFrom', 'At or after'),
        query('datetimeTo', 'At or before'),
        query('channel', 'A channel', schema('DT-000-InterfaceID')),
        query('before', 'The `next` cursor of the previous page', { type: 'integer' }),
        query('limit', 'Calls per page', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        ...SIGNED,
      ],
      responses: {
        '200': { description: 'A page of calls', content: json(schema('OpenDIP-AuditCallPage')) },
        ...SIGNED_ANSWERS,
      },
    },
  },
  '/openapi.json': {
    'x-opendip': SERVICE,
    get: {
      summary: 'This document',
      operationId: 'opendipOpenApi',
      tags: ['OpenDIP Service'],
      security: [],
      responses: { '200': { description: 'The OpenAPI document of this DIP', content: json({ type: 'object' }) } },
    },
  },
};

/** The assets the API browser at /docs is made of. */
export const DOCS_ASSETS = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
  'init.js',
] as const;

const ROOT = [{ url: '/', description: 'outside the versioned API' }];

/** Path items served at the root of the server, not under /{version}. */
export const ROOT_PATHS: Record<string, Json> = {
  '/validate/{id}/{event}': {
    'x-opendip': 'OpenDIP addition: the published /validate paths are also served without the version segment',
    servers: ROOT,
    post: {
      summary: 'Validate messages of a channel and event (the event code without brackets)',
      operationId: 'opendipValidateUnversioned',
      tags: ['DIP Message Validation Endpoints'],
      parameters: [
        ref('parameters', 'MessageChannel'),
        { name: 'event', in: 'path', required: true, description: 'e.g. SN-Vacant', schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: json({ type: 'array', minItems: 1, items: { type: 'object' } }) },
      responses: {
        '201': { description: 'Message OK', content: json({ type: 'string' }) },
        '400': { description: 'Bad Request', content: json({ type: 'string' }) },
        '404': { description: 'No such channel or event', content: json({ type: 'string' }) },
      },
    },
  },
  '/health': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: 'Liveness: the environment, API version, store and number of channels',
      operationId: 'opendipHealth',
      tags: ['OpenDIP Service'],
      security: [],
      responses: { '200': { description: 'The DIP is up', content: json(schema('OpenDIP-Health')) } },
    },
  },
  '/health/live': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: 'Liveness: the process runs',
      operationId: 'opendipHealthLive',
      tags: ['OpenDIP Service'],
      security: [],
      responses: { '200': { description: 'The process runs', content: json({ type: 'object' }) } },
    },
  },
  '/health/ready': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: 'Readiness: store reachable, migrations current, delivery thread alive, delivery not overdue',
      operationId: 'opendipHealthReady',
      tags: ['OpenDIP Service'],
      security: [],
      responses: {
        '200': { description: 'Ready, with each check', content: json({ type: 'object' }) },
        '503': { description: 'Not ready, with the reasons', content: json({ type: 'object' }) },
      },
    },
  },
  '/metrics': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: "The process's metrics in Prometheus text format (docs/metrics.md lists them)",
      operationId: 'opendipMetrics',
      tags: ['OpenDIP Service'],
      security: [],
      responses: {
        '200': { description: 'Prometheus text exposition', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    },
  },
  '/docs': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: 'This document, rendered by Swagger UI',
      operationId: 'opendipDocs',
      tags: ['OpenDIP Service'],
      security: [],
      responses: { '200': { description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/docs/{asset}': {
    'x-opendip': SERVICE,
    servers: ROOT,
    get: {
      summary: 'The scripts, style sheet and icons of the page at /docs',
      operationId: 'opendipDocsAsset',
      tags: ['OpenDIP Service'],
      security: [],
      parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: [...DOCS_ASSETS] } }],
      responses: { '200': { description: 'The file' }, '404': { description: 'No such asset' } },
    },
  },
};

const nullableString = { type: 'string', nullable: true };
const object = (properties: Json, required: string[] = []): Json => ({
  type: 'object',
  ...(required.length > 0 ? { required } : {}),
  properties,
});

const AUDIT_SUMMARY = object(
  {
    transactionID: { type: 'string' },
    senderUniqueReference: { type: 'string' },
    channel: { type: 'string' },
    eventCode: { type: 'string' },
    schemaVersion: { type: 'string' },
    senderID: { type: 'string' },
    senderRoleID: { type: 'string' },
    DIPConnectionProviderID: nullableString,
    correlationID: nullableString,
    MPAN: nullableString,
    transactionTimestamp: { type: 'string' },
    recipients: { type: 'array', items: { type: 'object' } },
    serviceTicketURL: nullableString,
  },
  ['transactionID', 'senderUniqueReference', 'channel'],
);

/** OpenDIP's own schemas, and the 2.2.1 ones the bundled document lacks. */
export const COMPONENT_SCHEMAS: Record<string, Json> = {
  'OpenDIP-RequeueStatusArray': {
    'x-opendip': `RequeueStatusArray, ${FROM_2_2_1}`,
    type: 'array',
    minItems: 1,
    items: object({
      requeueId: { type: 'string' },
      percentComplete: { type: 'number' },
      totalTransactions: { type: 'number' },
      processedTransactions: { type: 'number' },
      status: { type: 'string', enum: ['Processing', 'Completed', 'Failed', 'PartialCompletion'] },
    }),
  },
  'OpenDIP-JournalRecord': {
    'x-opendip': `DIPJournalRecord, ${FROM_2_2_1}`,
    ...object({
      SentDateTime: { type: 'string' },
      Interface: { type: 'string' },
      SenderUniqueReference: { type: 'string' },
      DIPTransactionID: { type: 'string' },
      DIPCorrelationID: nullableString,
      MPANCore: nullableString,
      JournalEntries: { type: 'array', items: { type: 'object' } },
    }),
  },
  'OpenDIP-AuditMessagePage': {
    'x-opendip': AUDIT,
    ...object(
      {
        messages: { type: 'array', items: AUDIT_SUMMARY },
        next: { ...nullableString, description: 'The cursor of the next page; null on the last' },
      },
      ['messages', 'next'],
    ),
  },
  'OpenDIP-AuditRecord': {
    'x-opendip': AUDIT,
    ...object(
      {
        message: AUDIT_SUMMARY,
        journal: schema('OpenDIP-JournalRecord'),
        evidence: {
          type: 'object',
          nullable: true,
          description: 'What the sender signed, and whether it still verifies; null for a message the DIP made',
        },
      },
      ['message', 'journal', 'evidence'],
    ),
  },
  'OpenDIP-AuditCallPage': {
    'x-opendip': AUDIT,
    ...object(
      {
        calls: { type: 'array', items: { type: 'object' } },
        next: nullableString,
      },
      ['calls', 'next'],
    ),
  },
  'OpenDIP-Health': {
    'x-opendip': SERVICE,
    ...object({
      status: { type: 'string', enum: ['ok'] },
      environment: { type: 'string' },
      apiVersion: { type: 'string' },
      storage: { type: 'string' },
      channels: { type: 'integer' },
    }),
  },
};
