/**
 * The portal's replay, over the same use case as the signed API (routes/replay.ts): what the DIP sent the
 * participant, in its own roles, a page at a time.
 *   GET  /portal/replay?channel=&datetimeFrom=&datetimeTo=&MPAN=&eventCode=   the form; with a channel, the
 *        count of what the replay would return (counted up to PREVIEW_CAP)
 *   POST /portal/replay   the same fields, the session's CSRF token, and the continuation token of the page
 *        wanted (none: the first): the page's messages listed, with a button for the next page; with
 *        format=json, the page as the replay API returns it, as a download
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { rolesFor } from '../../registry/entitlement.js';
import { replayPage, replayResultPage, type ReplayRow } from '../../portal/replay-pages.js';
import { sameToken, type PortalSession } from '../../portal/session.js';
import type { AppDeps } from '../context.js';
import { fieldsOf, formOf, type PortalKit } from './portal-kit.js';
import { countFirst, filterBody, filterChannels, FILTER_NAMES, PREVIEW_CAP } from './portal-filter.js';
import { replayOf } from './replay.js';

/** A browser reads a replay this many messages a page (or the DIP's replay page size, if smaller). */
const BROWSER_PAGE = 1_000;

type Json = Record<string, unknown>;

/** The rows of a replay page: messages in their replay wrapper, or bare status messages. */
function rowsOf(items: Json[]): ReplayRow[] {
  return items.map((item) => {
    const wrapper = item.replay as Json | undefined;
    if (!wrapper)
      return {
        transactionID: null,
        originalTransactionID: (item.transactionID as string | null) ?? null,
        eventCode: null,
        message: (item.message as string | null) ?? null,
      };
    const s0 = ((item.payload as Json | undefined)?.CommonBlock as Json | undefined)?.S0 as Json | undefined;
    return {
      transactionID: (wrapper.transactionID as string | null) ?? null,
      originalTransactionID: (wrapper.originalTransactionID as string | null) ?? null,
      eventCode: (s0?.eventCode as string | null) ?? null,
      message: null,
    };
  });
}

const whole = (v: string | undefined | null): number => (v && /^\d{1,9}$/.test(v) ? Number(v) : 0);

export function portalReplayRoutes(deps: AppDeps, kit: PortalKit) {
  const pageSize = Math.min(BROWSER_PAGE, deps.config.replayPageSize);
  const replay = replayOf(deps, pageSize);
  const channels = filterChannels(deps.catalogue);
  const rolesOf = (s: PortalSession) => rolesFor(deps.registry.view(), s.dipId, s.dipId);

  const show = async (
    reply: FastifyReply,
    s: PortalSession,
    status: number,
    query: Record<string, string>,
    error: string | null,
  ) => {
    const shown = await countFirst(channels, query, error, (channel, body) =>
      replay.replayPreview(channel, { recipientId: s.dipId, roles: rolesOf(s), body }, PREVIEW_CAP),
    );
    const page = {
      csrf: s.csrf,
      channels,
      query: { channel: channels[0]!, ...query },
      pageSize,
      error: shown.error,
      preview: shown.preview,
    };
    return kit.page(reply, shown.refused ? 400 : status, 'Replay', s, replayPage(page));
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Record<string, string | undefined> }>('/portal/replay', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      return show(reply, s, 200, fieldsOf(Object.entries(request.query), FILTER_NAMES), null);
    });

    app.post('/portal/replay', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const form = formOf(request.body);
      const fields = fieldsOf(form.entries(), FILTER_NAMES);
      if (!sameToken(form.get('csrf'), s.csrf)) {
        return show(reply, s, 403, fields, 'The form expired: nothing was replayed. Count again.');
      }
      const channel = fields.channel ?? '';
      const asked = filterBody(channels, fields);
      if ('help' in asked) return show(reply, s, 400, fields, asked.help);
      const token = form.get('continuation') || null;
      const call = { recipientId: s.dipId, roles: rolesOf(s), body: asked.body, continuation: token };
      const a = channel === STATUS_CHANNEL ? await replay.statuses(call) : await replay.messages(channel, call);
      if (a.status === 400) return show(reply, s, 400, fields, a.help);
      request.facts.channel = channel;
      request.facts.messages = a.count;
      request.facts.outcome = 'portal: replay';
      deps.observer?.replayed(channel, a.count);
      const page = Math.max(1, whole(form.get('page')));
      if (form.get('format') === 'json') {
        if (a.continuation) reply.header('x-continuation-token', a.continuation);
        return reply
          .code(200)
          .type('application/json')
          .header('content-disposition', `attachment; filename="replay-${channel}-${s.dipId}-page${page}.json"`)
          .send(Readable.from(a.body));
      }
      // A browser's page is at most BROWSER_PAGE messages: read whole to list them.
      const chunks: Buffer[] = [];
      for await (const chunk of a.body) chunks.push(chunk);
      const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json[];
      return kit.page(
        reply,
        200,
        'Replay',
        s,
        replayResultPage({
          csrf: s.csrf,
          query: fields,
          rows: rowsOf(items),
          page,
          before: whole(form.get('before')),
          token,
          next: a.continuation,
        }),
      );
    });
  };
}
