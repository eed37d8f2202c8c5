/** GET /health: what this DIP is (kept as it was; /health/live and /health/ready are in ops.ts). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../context.js';

export type HealthDeps = Pick<AppDeps, 'config' | 'store' | 'catalogue'>;

export function healthRoutes(deps: HealthDeps) {
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
