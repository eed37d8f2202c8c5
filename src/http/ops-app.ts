/**
 * The small listener of `--metrics-port`: the operators' routes and nothing else, so a `--role worker`
 * process (which has no API port) can be scraped and probed, and an API process can keep them off its
 * public port.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { healthRoutes, type HealthDeps } from './routes/health.js';
import { opsRoutes, type OpsDeps } from './routes/ops.js';

export async function buildOpsApp(deps: HealthDeps & { ops: OpsDeps; logger: Logger }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  await app.register(healthRoutes(deps));
  await app.register(opsRoutes(deps.ops));
  return app;
}
