/**
 * The portal's webhook page: a participant sets and removes its own channel-wide webhooks (and the one for
 * status messages), through the same parsing, entitlement and store operation as `pubconfig` and
 * `statusmessage/config` (routes/webhooks.ts), and sends a test call to one of them (an empty batch, as the
 * delivery engine's client sends a batch) to show its answer. Every form carries the session's CSRF token.
 */
import type { FastifyInstance } from 'fastify';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { configuredRoles, parseWebhookConfig } from '../../delivery/webhooks.js';
import { sameToken } from '../../portal/session.js';
import { webhooksPage, type TestCallResult } from '../../portal/webhook-pages.js';
import { rolesFor } from '../../registry/entitlement.js';
import type { AppDeps } from '../context.js';
import { formOf, type PortalKit } from './portal-kit.js';

/** A test call's body: a delivery with no message in it. */
const TEST_BODY = Buffer.from('[]');

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

    app.post('/portal/webhooks/test', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const form = formOf(request.body);
      const channel = form.get('channel') ?? '';
      const role = form.get('role') ?? '';
      const show = async (status: number, o: { error?: string; tested?: TestCallResult }) =>
        kit.page(
          reply,
          status,
          'Webhooks',
          s,
          webhooksPage({
            csrf: s.csrf,
            channels,
            rows: await rowsOf(s.dipId),
            notice: null,
            error: o.error ?? null,
            draft: emptyDraft,
            tested: o.tested ?? null,
          }),
        );
      if (!sameToken(form.get('csrf'), s.csrf)) return show(403, { error: 'The form expired; send it again.' });
      const hook = channels.includes(channel)
        ? (await deps.store.webhooks(s.dipId, channel)).find((w) => w.role === role)
        : undefined;
      if (!hook)
        return show(404, { error: `You have no ${channel || 'such'} webhook${role ? ` for ${role}` : ''} to test.` });
      if (!deps.testCalls) return show(503, { error: 'This DIP makes no test calls.' });
      const started = deps.clock.now();
      const result = await deps.testCalls.post({
        url: hook.callbackUrl,
        body: [TEST_BODY],
        mpo: { dipId: s.dipId, role: role || null, name: deps.registry.view().participant(s.dipId)?.name ?? null },
      });
      const answered = result.kind === 'response';
      request.facts.channel = channel;
      request.facts.outcome = `portal: webhook test ${answered ? `answered ${result.status}` : result.reason}`;
      return show(200, {
        tested: {
          channel,
          role,
          callbackUrl: hook.callbackUrl,
          status: answered ? result.status : null,
          error: answered ? null : `${result.reason}: ${result.detail}`,
          ms: Math.max(0, deps.clock.now() - started),
          answer: answered ? result.text : '',
        },
      });
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
