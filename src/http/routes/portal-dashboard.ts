/**
 * GET /portal/dashboard: the participant's home page. Its sends since midnight UTC (from the audit trail of
 * its calls: a day is some thousands of rows, whatever the volume of messages), the copies addressed to it
 * today by channel (capped counts), the messages its sends had refused by code, what waits to be delivered
 * to it (capped counts, as the operator API counts) and its endpoints' breakers. Read only; an audited call.
 */
import type { FastifyInstance } from 'fastify';
import { listEndpoints } from '../../delivery/operator-endpoints.js';
import { countCopies } from '../../delivery/operator-queue.js';
import { QUEUE_STATES } from '../../domain/queue.js';
import { MSG_TEXT, type MsgCode } from '../../domain/responses.js';
import { startOfUtcDay } from '../../domain/time.js';
import { dashboardPage, sendSummary } from '../../portal/dashboard-pages.js';
import type { AppDeps } from '../context.js';
import type { PortalKit } from './portal-kit.js';

const ENDPOINTS_SHOWN = 100;
/** Received copies are counted per channel up to this many: a page view reads no more of the day. */
const RECEIVED_CAP = 100_000;

export function portalDashboardRoutes(deps: AppDeps, kit: PortalKit) {
  const { store, clock } = deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/portal/dashboard', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const now = clock.now();
      const midnight = startOfUtcDay(now);
      const own = { recipientId: s.dipId, role: null, channel: null, createdBefore: null };
      const [totals, rejections, received, waiting, endpoints] = await Promise.all([
        store.sendTotals(midnight, s.dipId),
        store.rejectionTotals(midnight, s.dipId),
        store.receivedTotals(s.dipId, midnight, RECEIVED_CAP),
        Promise.all(QUEUE_STATES.map((state) => countCopies(store, { ...own, state }))),
        listEndpoints(store, {
          filter: { recipientId: s.dipId, channel: null, role: null, breaker: null },
          after: null,
          limit: ENDPOINTS_SHOWN,
        }),
      ]);
      return kit.page(
        reply,
        200,
        'Dashboard',
        s,
        dashboardPage({
          day: new Date(midnight).toISOString().slice(0, 10),
          summary: sendSummary(totals, midnight, now),
          waiting,
          endpoints: endpoints.endpoints,
          moreEndpoints: endpoints.next !== null,
          received,
          rejections: rejections.map((r) => ({ ...r, text: MSG_TEXT[r.code as MsgCode] ?? '' })),
        }),
      );
    });
  };
}
