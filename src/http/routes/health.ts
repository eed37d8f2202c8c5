/** Liveness and readiness for operators and load balancers. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../context.js';

export function healthRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/health', { config: { apiCall: false } }, async () => ({
      status: 'ok',
      environment: deps.config.environment,
      apiVersion: deps.config.apiVersion,
      storage: deps.store.backend,
      channels: deps.catalogue.channels.size,
    }));
  };
}
