/**
 * The operator API's on-behalf paths (src/http/routes/admin-behalf.ts): the participant's own replay, requeue
 * and requeueStatus under /admin, answering exactly what the participant named in the path would be answered.
 */
import { json, query, schema, SIGNED, SIGNED_ANSWERS } from './additions.js';

type Json = Record<string, unknown>;

const ADMIN =
  'OpenDIP addition: the operator API, open only to participants holding the OPERATOR role; acts on the named participant’s behalf (docs/decisions.md#on-a-participants-behalf)';
const TAGS = ['OpenDIP Operator'];
const parameter = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });
const ROLE = query(
  'role',
  'Act in this one role of the participant (which it must hold); without it, in all of its roles, as the participant itself would',
  schema('DT-009-DIPParticipantRole'),
);
const NOT_FOUND = {
  '404': { description: 'No such channel or participant', content: json(schema('StandardResponse')) },
};

function replay(what: string, request: string, array: string, channel: boolean, id: string): Json {
  return {
    'x-opendip': ADMIN,
    post: {
      summary: `Replay ${what} on a participant’s behalf, exactly as it would replay them itself`,
      operationId: id,
      tags: TAGS,
      parameters: [
        ...(channel ? [parameter('MessageChannel')] : []),
        parameter('MessageRecipientId'),
        parameter('ContinuationToken'),
        ROLE,
        ...SIGNED,
      ],
      requestBody: { required: true, content: json(schema(request)) },
      responses: {
        '200': { description: `Replayed ${what}`, content: json(schema(array)) },
        '206': {
          description: `Replayed ${what} - more data`,
          headers: { 'X-Continuation-Token': { schema: { type: 'string' } } },
          content: json(schema(array)),
        },
        ...SIGNED_ANSWERS,
        ...NOT_FOUND,
      },
    },
  };
}

function requeue(what: string, request: string, channel: boolean, id: string): Json {
  return {
    'x-opendip': ADMIN,
    post: {
      summary: `Requeue ${what} to a participant’s webhook on its behalf; each copy is journaled as the operator’s`,
      operationId: id,
      tags: TAGS,
      parameters: [...(channel ? [parameter('MessageChannel')] : []), parameter('MessageRecipientId'), ROLE, ...SIGNED],
      requestBody: { required: true, content: json(schema(request)) },
      responses: {
        '202': { description: `${what} requeued`, content: json(schema('RequeueId')) },
        ...SIGNED_ANSWERS,
        ...NOT_FOUND,
      },
    },
  };
}

function status(what: string, channel: boolean, id: string): Json {
  return {
    'x-opendip': ADMIN,
    get: {
      summary: `Status of a participant’s ${what} requeues, as it would see them`,
      operationId: id,
      tags: TAGS,
      parameters: [
        ...(channel ? [parameter('MessageChannel')] : []),
        parameter('MessageRecipientId'),
        parameter('RequeueId'),
        ROLE,
        ...SIGNED,
      ],
      responses: {
        '200': { description: 'Requeue Information', content: json(schema('OpenDIP-RequeueStatusArray')) },
        '204': { description: 'No Content' },
        ...SIGNED_ANSWERS,
        ...NOT_FOUND,
      },
    },
  };
}

export const ADMIN_BEHALF_PATHS: Record<string, Json> = {
  '/admin/dip-channel/{id}/replay/{recipient-id}': replay(
    'messages',
    'MessageRequest',
    'DIPMessageEgressArray',
    true,
    'opendipAdminReplayPublication',
  ),
  '/admin/dip-channel/{id}/requeue/{recipient-id}': requeue(
    'messages',
    'MessageRequest',
    true,
    'opendipAdminRequeuePublication',
  ),
  '/admin/dip-channel/{id}/requeueStatus/{recipient-id}': status('channel', true, 'opendipAdminRequeueStatus'),
  '/admin/statusmessage/replay/{recipient-id}': replay(
    'status messages',
    'StatusMessageRequest',
    'StandardResponseArray',
    false,
    'opendipAdminReplayStatusMessage',
  ),
  '/admin/statusmessage/requeue/{recipient-id}': requeue(
    'status messages',
    'StatusMessageRequest',
    false,
    'opendipAdminRequeueStatusMessage',
  ),
  '/admin/statusmessage/requeueStatus/{recipient-id}': status(
    'status-message',
    false,
    'opendipAdminRequeueStatusMessageStatus',
  ),
};
