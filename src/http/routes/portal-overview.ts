/**
 * The operator's overview (GET /portal/operator) and its pause forms, over the same parsing and pause board
 * as the operator API (routes/admin-pause.ts):
 *   GET  /portal/operator            ingest rate, today's sends, backlog by state, open breakers, pauses
 *   POST /portal/operator/pause      kind (ingress|delivery), channel, recipient, role, retryAfter, reason
 *   POST /portal/operator/resume     the scope of a pause in force
 * A pause is saved in one statement and applied in this process before the page answers, as through the API;
 * each is an audited call of the operator whose outcome says what was paused or resumed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { listEndpoints } from '../../delivery/operator-endpoints.js';
import { countCopies } from '../../delivery/operator-queue.js';
import { describePause, pauseRequestOf } from '../../domain/pause.js';
import { QUEUE_STATES } from '../../domain/queue.js';
import { startOfUtcDay } from '../../domain/time.js';
import { sendSummary } from '../../portal/dashboard-pages.js';
import { overviewPage } from '../../portal/overview-pages.js';
import { sameToken, type PortalSession } from '../../portal/session.js';
import type { AppDeps } from '../context.js';
import { pauseChannels, pauseShown, resumePause } from './admin-pause.js';
import { formOf, type PortalKit } from './portal-kit.js';

const RATE_MINUTES = 15;
const BREAKERS_SHOWN = 20;
const PAUSE_FIELDS = ['kind', 'channel', 'recipient', 'role', 'retryAfter', 'reason'] as const;

/** A pause form as the operator API's body: the kind as its flag, empty fields left out, Retry-After a number. */
export function pauseBodyOf(form: Record<string, string>): Record<string, unknown> {
  const { kind, retryAfter, ...rest } = form;
  const body: Record<string, unknown> = kind ? { [kind]: true } : {};
  for (const [k, v] of Object.entries(rest)) if (v !== '') body[k] = v;
  if (retryAfter) body.retryAfter = /^\d+$/.test(retryAfter) ? Number(retryAfter) : retryAfter;
  return body;
}

export function portalOverviewRoutes(deps: AppDeps, kit: PortalKit) {
  const { store, clock, pauses } = deps;
  const isChannel = pauseChannels(deps.catalogue);

  const show = async (
    reply: FastifyReply,
    s: PortalSession,
    status: number,
    said: { notice?: string; error?: string; draft?: Record<string, string> } = {},
  ) => {
    const now = clock.now();
    const midnight = startOfUtcDay(now);
    const since = now - RATE_MINUTES * 60_000;
    const [today, recent, backlog, open] = await Promise.all([
      store.sendTotals(midnight, null),
      store.sendTotals(since, null),
      Promise.all(
        QUEUE_STATES.map((state) =>
          countCopies(store, { state, recipientId: null, role: null, channel: null, createdBefore: null }),
        ),
      ),
      listEndpoints(store, {
        filter: { recipientId: null, channel: null, role: null, breaker: 'open' },
        after: null,
        limit: BREAKERS_SHOWN,
      }),
      pauses.refresh(),
    ]);
    const body = overviewPage({
      csrf: s.csrf,
      day: new Date(midnight).toISOString().slice(0, 10),
      recent: {
        minutes: RATE_MINUTES,
        messages: recent.reduce((n, t) => n + t.messages, 0),
        accepted: recent.reduce((n, t) => n + t.accepted, 0),
      },
      today: sendSummary(today, midnight, now),
      backlog,
      openBreakers: open.endpoints,
      moreOpenBreakers: open.next !== null,
      pauses: pauses.all().map(pauseShown),
      draft: said.draft ?? {},
      notice: said.notice ?? null,
      error: said.error ?? null,
    });
    return kit.page(reply, status, 'Market overview', s, body);
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/portal/operator', async (request, reply) => {
      const s = await kit.operatorOf(request, reply);
      return s ? show(reply, s, 200) : reply;
    });

    for (const action of ['pause', 'resume'] as const) {
      app.post(`/portal/operator/${action}`, async (request, reply) => {
        const s = await kit.operatorOf(request, reply);
        if (!s) return reply;
        const form = formOf(request.body);
        const draft: Record<string, string> = {};
        for (const k of PAUSE_FIELDS) draft[k] = (form.get(k) ?? '').trim();
        if (!sameToken(form.get('csrf'), s.csrf)) {
          return show(reply, s, 403, { draft, error: `The form expired: nothing was ${action}d. Send it again.` });
        }
        const parsed = pauseRequestOf(pauseBodyOf(draft), isChannel, action === 'resume');
        if (!parsed.ok) {
          request.facts.outcome = `portal: ${action} refused: ${parsed.help}`;
          return show(reply, s, 400, { draft, error: parsed.help });
        }
        const { scope, reason, retryAfterSeconds } = parsed.value;
        const what = describePause(scope);
        if (action === 'pause') {
          await pauses.pause({ ...scope, reason, retryAfterSeconds, pausedBy: s.dipId, pausedAt: clock.now() });
        } else if (!(await resumePause(deps, scope))) {
          return show(reply, s, 404, { error: `No pause of ${what} is in force.` });
        }
        request.facts.channel = scope.channel === '*' ? null : scope.channel;
        request.facts.outcome = `${action}d ${what}${reason ? `: ${reason}` : ''}`;
        request.log.warn({ scope: what }, `${action}d from the portal`);
        return show(reply, s, 200, { notice: `${action === 'pause' ? 'Paused' : 'Resumed'} ${what}.` });
      });
    }
  };
}
