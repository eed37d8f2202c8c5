/**
 * What operators and their tools ask a process, unsigned and unaudited: is it running (/health/live), can
 * it take traffic (/health/ready), and its Prometheus metrics (/metrics). Served on the API port and on
 * the `--metrics-port` listener alike.
 */
import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../../domain/health.js';

export interface OpsDeps {
  readiness(): Promise<Readiness>;
  /** The process's metrics in Prometheus text format, every thread's included. */
  metrics(): Promise<string>;
  metricsContentType: string;
}

export function opsRoutes(ops: OpsDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/health/live', { config: { apiCall: false } }, async () => ({ status: 'live' }));
    app.get('/health/ready', { config: { apiCall: false } }, async (_request, reply) => {
      const r = await ops.readiness().catch((e: unknown): Readiness => ({
        ready: false,
        reasons: [`readiness could not be judged: ${e instanceof Error ? e.message : String(e)}`],
        checks: { store: false, migrations: false, deliveryThread: null, overdueSeconds: null },
      }));
      return reply
        .code(r.ready ? 200 : 503)
        .send({ status: r.ready ? 'ready' : 'unready', reasons: r.reasons, checks: r.checks });
    });
    app.get('/metrics', { config: { apiCall: false } }, async (_request, reply) =>
      reply.type(ops.metricsContentType).send(await ops.metrics()),
    );
  };
}
