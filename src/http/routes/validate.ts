/** POST /validate/{IF-xxx}/{Event} (also under /{version}/): answers 201 or 400 with a JSON string. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findValidateTarget, validateMessages } from '../../ingress/validate.js';
import type { AppDeps } from '../app.js';

type Params = { version?: string; id: string; event: string };

export function validateRoutes(deps: AppDeps) {
  const { catalogue, schemas, config, clock } = deps;
  const handler = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const { id, event, version } = request.params;
    if (version !== undefined && version !== config.apiVersion) {
      return reply.code(404).type('application/json').send(JSON.stringify(`API version '${version}' is not served here; use /${config.apiVersion}/validate/...`));
    }
    const target = findValidateTarget(catalogue, id, event);
    request.facts.channel = id.toUpperCase();
    if (!target) {
      return reply.code(404).type('application/json').send(JSON.stringify(`no validation endpoint for ${id}/${event}; event codes go without brackets, e.g. /validate/IF-024/SN-Vacant`));
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const problems = validateMessages(catalogue, schemas, target, body, {
      environment: config.environment, now: clock.now(), maxFutureMs: config.signatureMaxSkewSeconds * 1000,
    });
    const text = problems.length === 0
      ? 'Message OK'
      : `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`;
    return reply.code(problems.length === 0 ? 201 : 400).type('application/json').send(JSON.stringify(text));
  };
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: Params }>('/validate/:id/:event', handler);
    app.post<{ Params: Params }>('/:version/validate/:id/:event', handler);
  };
}
