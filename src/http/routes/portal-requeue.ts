/**
 * The portal's requeue, over the same use case as the signed API (routes/replay.ts): the participant's own
 * copies, in its own roles, to its own webhooks.
 *   GET  /portal/requeue?channel=&datetimeFrom=&datetimeTo=&MPAN=&eventCode=   the form; with a channel, the
 *        count of what a requeue would send (counted up to PREVIEW_CAP) and its recent requeues
 *   POST /portal/requeue   the same fields and the session's CSRF token: starts it, then its progress page
 *   GET  /portal/requeue/{requeueId}?channel=   progress, refreshed every two seconds while it runs
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { rolesFor } from '../../registry/entitlement.js';
import { requeuePage, requeueProgressPage } from '../../portal/requeue-pages.js';
import { sameToken, type PortalSession } from '../../portal/session.js';
import type { AppDeps } from '../context.js';
import { fieldsOf, formOf, type PortalKit } from './portal-kit.js';
import { replayOf } from './replay.js';
import { countFirst, filterBody, filterChannels, FILTER_NAMES, PREVIEW_CAP } from './portal-filter.js';

export function portalRequeueRoutes(deps: AppDeps, kit: PortalKit) {
  const replay = replayOf(deps);
  const channels = filterChannels(deps.catalogue);
  const rolesOf = (s: PortalSession) => rolesFor(deps.registry.view(), s.dipId, s.dipId);

  const show = async (
    reply: FastifyReply,
    s: PortalSession,
    status: number,
    query: Record<string, string>,
    error: string | null,
  ) => {
    const channel = query.channel;
    const recent =
      channel && channels.includes(channel)
        ? (await replay.requeueStatus(channel, s.dipId, null, rolesOf(s))).slice(0, 10)
        : [];
    const shown = await countFirst(channels, query, error, (channel, body) =>
      replay.requeuePreview(channel, { recipientId: s.dipId, roles: rolesOf(s), body }, PREVIEW_CAP),
    );
    const page = {
      csrf: s.csrf,
      channels,
      query: { channel: channels[0]!, ...query },
      recent,
      error: shown.error,
      preview: shown.preview,
    };
    return kit.page(reply, shown.refused ? 400 : status, 'Requeue', s, requeuePage(page));
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Record<string, string | undefined> }>('/portal/requeue', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      return show(reply, s, 200, fieldsOf(Object.entries(request.query), FILTER_NAMES), null);
    });

    app.post('/portal/requeue', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const form = formOf(request.body);
      const fields = fieldsOf(form.entries(), FILTER_NAMES);
      if (!sameToken(form.get('csrf'), s.csrf)) {
        return show(reply, s, 403, fields, 'The form expired: nothing was requeued. Count again.');
      }
      const channel = fields.channel ?? '';
      const asked = filterBody(channels, fields);
      if ('help' in asked) return show(reply, s, 400, fields, asked.help);
      request.facts.channel = channel;
      const started = await replay.requeue(channel, {
        recipientId: s.dipId,
        roles: rolesOf(s),
        body: asked.body,
        requestedBy: s.dipId,
      });
      if (started.status !== 202) return show(reply, s, started.status, fields, started.help);
      request.facts.messages = started.count;
      request.facts.outcome = `portal: requeue ${started.requeueId}`;
      deps.observer?.requeued(channel, started.count);
      if (started.count > 0) deps.wakeDelivery?.();
      return reply
        .code(303)
        .header(
          'location',
          `/portal/requeue/${encodeURIComponent(started.requeueId)}?channel=${encodeURIComponent(channel)}`,
        )
        .send();
    });

    app.get<{ Params: { requeueId: string }; Querystring: { channel?: string } }>(
      '/portal/requeue/:requeueId',
      async (request, reply) => {
        const s = await kit.sessionOf(request);
        if (!s) return kit.toSignIn(request, reply);
        const channel = typeof request.query.channel === 'string' ? request.query.channel : '';
        const [found] = channels.includes(channel)
          ? await replay.requeueStatus(channel, s.dipId, request.params.requeueId, rolesOf(s))
          : [];
        if (!found) {
          return show(reply, s, 404, channels.includes(channel) ? { channel } : {}, 'No such requeue of yours.');
        }
        return kit.page(reply, 200, `Requeue ${found.requeueId}`, s, requeueProgressPage({ channel, requeue: found }), {
          refreshSeconds: found.status === 'Processing' ? 2 : null,
        });
      },
    );
  };
}
