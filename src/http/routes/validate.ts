/**
 * POST /validate/{IF-xxx}/{Event} (also under /{version}/): answers 201 or 400 with a JSON string.
 * Unauthenticated as published, so kept cheap: a small body limit and a cap on messages and problems.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findValidateTarget, validateMessages } from '../../ingress/dry-run.js';
import { continueIfExpected, type AppDeps } from '../context.js';

type Params = { version?: string; id: string; event: string };

/** Room for a thousand large messages, far more than debugging needs. */
export const VALIDATE_BODY_LIMIT = 16 * 1024 * 1024;

const answer = (reply: FastifyReply, status: number, text: string): FastifyReply =>
  reply.code(status).type('application/json').send(JSON.stringify(text));

export function validateRoutes(deps: AppDeps) {
  const { catalogue, schemas, config, clock } = deps;
  const closed = new Set(config.closedSchemaVersions);
  const handler = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const { id, event } = request.params;
    request.facts.outcome = 'validate';
    const target = findValidateTarget(catalogue, id, event)!;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const problems = await validateMessages(catalogue, schemas, target, body, {
      environment: config.environment,
      now: clock.now(),
      maxFutureMs: config.signatureMaxSkewSeconds * 1000,
      checkReports: config.checkReports,
      closedVersions: closed,
    });
    const text =
      problems.length === 0
        ? 'Message OK'
        : `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`;
    return answer(reply, problems.length === 0 ? 201 : 400, text);
  };
  const options = {
    bodyLimit: VALIDATE_BODY_LIMIT,
    preParsing: async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, payload: unknown) => {
      const { id, event, version } = request.params;
      request.facts.channel = id.toUpperCase();
      const refusal =
        version !== undefined && version !== config.apiVersion
          ? `API version '${version}' is not served here; use /${config.apiVersion}/validate/...`
          : findValidateTarget(catalogue, id, event)
            ? null
            : `no validation endpoint for ${id}/${event}; event codes go without brackets, e.g. /validate/IF-024/SN-Vacant`;
      if (refusal) answer(reply.header('connection', 'close'), 404, refusal);
      else if (Number(request.headers['content-length'] ?? 0) > VALIDATE_BODY_LIMIT) {
        answer(
          reply.header('connection', 'close'),
          413,
          `validation takes at most ${VALIDATE_BODY_LIMIT / 1048576} MiB; send fewer messages`,
        );
      } else continueIfExpected(request, reply);
      return payload;
    },
    // This endpoint answers in JSON strings, errors included.
    errorHandler: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) =>
      answer(
        reply.header('connection', 'close'),
        error.statusCode && error.statusCode < 500 ? error.statusCode : 500,
        error.statusCode === 413
          ? `validation takes at most ${VALIDATE_BODY_LIMIT / 1048576} MiB; send fewer messages`
          : error.statusCode && error.statusCode < 500
            ? error.message
            : 'the DIP could not validate the request',
      ),
  };
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: Params }>('/validate/:id/:event', options, handler);
    app.post<{ Params: Params }>('/:version/validate/:id/:event', options, handler);
  };
}
