/**
 * GET /{version}/openapi.json: the API this DIP serves (api-description/document.ts). Unsigned and not an
 * API call (like /health): a client reads it before it can sign anything.
 */
import type { FastifyInstance } from 'fastify';
import { describeApi } from '../api-description/document.js';
import { refuse, type AppDeps } from '../context.js';

export function openApiRoutes(deps: AppDeps) {
  const { config } = deps;
  // Made on first request: the document is large and most processes are never asked for it.
  let text: string | null = null;
  const document = (): string => (text ??= JSON.stringify(describeApi(deps.catalogue.published, config.apiVersion)));

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string } }>(
      '/:version/openapi.json',
      { config: { apiCall: false } },
      async (request, reply) => {
        if (request.params.version !== config.apiVersion) {
          return refuse(
            reply,
            deps,
            404,
            'MSG1000',
            `API version '${request.params.version}' is not served here; the API is described at /${config.apiVersion}/openapi.json`,
          );
        }
        return reply.code(200).type('application/json; charset=utf-8').send(document());
      },
    );
  };
}
