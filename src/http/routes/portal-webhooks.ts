/**
 * The portal's webhook page: a participant sets and removes its own channel-wide webhooks (and the one for
 * status messages), through the same parsing, entitlement and store operation as `pubconfig` and
 * `statusmessage/config` (routes/webhooks.ts). Every form carries the session's CSRF token.
 */
import type { FastifyInstance } from 'fastify';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { configuredRoles, parseWebhookConfig } from '../../delivery/webhooks.js';
import { sameToken } from '../../portal/session.js';
import { webhooksPage } from '../../portal/webhook-pages.js';
import { rolesFor } from '../../registry/entitlement.js';
import type { AppDeps } from '../context.js';
import { formOf, type PortalKit } from './portal-kit.js';

const number = (v: string | null): number | undefined => (v === null || v.trim() === '' ? undefined : Number(v));

export function portalWebhookRoutes(deps: AppDeps, kit: PortalKit) {
  const channels = [...[...deps.catalogue.channels.keys()].sort(), STATUS_CHANNEL];
  const emptyDraft = { channel: channels[0]!, callbackURL: '', maxMessageCount: '', maxPayloadSize: '' };

  const rowsOf = async (dipId: string) =>
    (await Promise.all(channels.map((c) => deps.store.webhooks(dipId, c)))).flat();

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: { saved?: string; removed?: string } }>('/portal/webhooks', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const { saved, removed } = request.query;
      const notice =
        typeof saved === 'string'
          ? `Saved the ${saved} webhook.`
          : typeof removed === 'string'
            ? `Removed the ${removed} webhook.`
            : null;
      const rows = await rowsOf(s.dipId);
      return kit.page(
        reply,
        200,
        'Webhooks',
        s,
        webhooksPage({ csrf: s.csrf, channels, rows, notice, error: null, draft: emptyDraft }),
      );
    });

    app.post('/portal/webhooks', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const form = formOf(request.body);
      const draft = {
        channel: form.get('channel') ?? '',
        callbackURL: form.get('callbackURL') ?? '',
        maxMessageCount: form.get('maxMessageCount') ?? '',
        maxPayloadSize: form.get('maxPayloadSize') ?? '',
      };
      const refuse = async (status: number, error: string) =>
        kit.page(
          reply,
          status,
          'Webhooks',
          s,
          webhooksPage({ csrf: s.csrf, channels, rows: await rowsOf(s.dipId), notice: null, error, draft }),
        );
      if (!sameToken(form.get('csrf'), s.csrf)) return refuse(403, 'The form expired; send it again.');
      if (!channels.includes(draft.channel))
        return refuse(400, `${draft.channel || 'no channel'} is not a DIP channel`);
      const roles = configuredRoles(null, rolesFor(deps.registry.view(), s.dipId, s.dipId), s.dipId);
      if (!roles.ok) return refuse(roles.status, roles.help);
      const body = Buffer.from(
        JSON.stringify({
          callbackURL: draft.callbackURL,
          maxMessageCount: number(draft.maxMessageCount),
          maxPayloadSize: number(draft.maxPayloadSize),
        }),
      );
      const parsed = parseWebhookConfig(body);
      if (!parsed.ok) return refuse(400, parsed.help);
      request.facts.channel = draft.channel;
      request.facts.outcome = 'portal: webhook saved';
      await deps.store.saveWebhooks(
        roles.roles.map((role) => ({
          recipientId: s.dipId,
          channel: draft.channel,
          role,
          callbackUrl: parsed.callbackUrl,
          maxMessageCount: parsed.maxMessageCount,
          maxPayloadKb: parsed.maxPayloadKb,
          configuredBy: s.dipId,
        })),
        deps.clock.now(),
      );
      deps.wakeDelivery?.();
      return reply
        .code(303)
        .header('location', `/portal/webhooks?saved=${encodeURIComponent(draft.channel)}`)
        .send();
    });

    app.post('/portal/webhooks/remove', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const form = formOf(request.body);
      const channel = form.get('channel') ?? '';
      if (!sameToken(form.get('csrf'), s.csrf) || !channels.includes(channel)) {
        return kit.page(
          reply,
          403,
          'Webhooks',
          s,
          webhooksPage({
            csrf: s.csrf,
            channels,
            rows: await rowsOf(s.dipId),
            notice: null,
            error: 'The form expired; send it again.',
            draft: emptyDraft,
          }),
        );
      }
      const roles = configuredRoles(null, rolesFor(deps.registry.view(), s.dipId, s.dipId), s.dipId);
      if (roles.ok) await deps.store.deleteWebhooks(s.dipId, channel, roles.roles);
      request.facts.channel = channel;
      request.facts.outcome = 'portal: webhook removed';
      return reply
        .code(303)
        .header('location', `/portal/webhooks?removed=${encodeURIComponent(channel)}`)
        .send();
    });
  };
}
