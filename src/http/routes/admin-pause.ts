/**
 * The operator's pauses (seed §8.5.2, the controlled upgrade outage), open only to OPERATOR like every
 * admin route:
 *   POST /{version}/admin/pause    {"ingress": true, "channel"?, "retryAfter"?, "reason"?}
 *                                  {"delivery": true, "channel", "recipient"?, "role"?, "reason"?}
 *   POST /{version}/admin/resume   the same scope (no retryAfter): that pause ends
 *   GET  /{version}/admin/pauses   every pause in force
 * A change is saved in one statement and applied in this process before the answer; other processes read
 * it within --pause-refresh-ms. The call's audit record says what was paused or resumed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { parseJsonBody } from '../../domain/json.js';
import { ANY, describePause, pauseRequestOf, type Pause, type PauseKind, type PauseScope } from '../../domain/pause.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

/** A pause as the operator API and the portal show it. */
export const pauseShown = (p: Pause) => ({
  kind: p.kind,
  channel: p.channel === ANY ? null : p.channel,
  recipient: p.recipientId === ANY ? null : p.recipientId,
  role: p.role === ANY ? null : p.role,
  scope: describePause(p),
  reason: p.reason,
  retryAfter: p.retryAfterSeconds,
  pausedBy: p.pausedBy,
  pausedAt: new Date(p.pausedAt).toISOString(),
});

/** Which channels a pause may name: the DIP's channels, and STATUS for a delivery pause. */
export const pauseChannels =
  (catalogue: AppDeps['catalogue']) =>
  (id: string, kind: PauseKind): boolean =>
    catalogue.channels.has(id) || (kind === 'delivery' && id === STATUS_CHANNEL);

/** Ends the pause of a scope; a delivery pause's copies are sent at once. False: none was in force. */
export async function resumePause(deps: Pick<AppDeps, 'pauses' | 'wakeDelivery'>, scope: PauseScope) {
  if (!(await deps.pauses.resume(scope))) return false;
  if (scope.kind === 'delivery') deps.wakeDelivery?.();
  return true;
}

export function adminPauseRoutes(deps: AppDeps) {
  const { catalogue, clock, pauses } = deps;
  const signed = signedGuards(deps);
  const preParsing = signed.operatorPreParsing;
  const isChannel = pauseChannels(catalogue);

  /** The scope a pause or resume body names, or null with the 400 sent. */
  const asked = (request: FastifyRequest, reply: FastifyReply, resume: boolean) => {
    const body = signed.signedBody(request, reply);
    if (!body) return null;
    const json = parseJsonBody(body);
    const parsed = json.ok ? pauseRequestOf(json.value, isChannel, resume) : { ok: false as const, help: json.problem };
    if (parsed.ok) return parsed.value;
    signed.refuseCall(request, reply, 400, 'MSG1000', parsed.help);
    return null;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { version: string } }>('/:version/admin/pause', { preParsing }, async (request, reply) => {
      const a = asked(request, reply, false);
      if (!a) return reply;
      const pause: Pause = {
        ...a.scope,
        reason: a.reason,
        retryAfterSeconds: a.retryAfterSeconds,
        pausedBy: request.auth!.caller.dipId,
        pausedAt: clock.now(),
      };
      await pauses.pause(pause);
      request.facts.outcome = `paused ${describePause(pause)}${pause.reason ? `: ${pause.reason}` : ''}`;
      request.log.warn({ pause: pauseShown(pause) }, 'paused');
      return reply.code(200).send({ paused: pauseShown(pause) });
    });

    app.post<{ Params: { version: string } }>('/:version/admin/resume', { preParsing }, async (request, reply) => {
      const a = asked(request, reply, true);
      if (!a) return reply;
      if (!(await resumePause(deps, a.scope))) {
        return signed.refuseCall(
          request,
          reply,
          404,
          'MSG1000',
          `no pause of ${describePause(a.scope)} is in force; GET /${deps.config.apiVersion}/admin/pauses lists those that are`,
        );
      }
      request.facts.outcome = `resumed ${describePause(a.scope)}${a.reason ? `: ${a.reason}` : ''}`;
      request.log.warn({ scope: describePause(a.scope) }, 'resumed');
      return reply.code(200).send({ resumed: describePause(a.scope), pauses: pauses.all().map(pauseShown) });
    });

    app.get<{ Params: { version: string }; Querystring: Record<string, unknown> }>(
      '/:version/admin/pauses',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const extra = Object.keys(request.query);
        if (extra.length > 0) {
          return signed.refuseCall(
            request,
            reply,
            400,
            'MSG1000',
            `${extra.join(', ')}: this path takes no parameters`,
          );
        }
        // Read afresh: the answer is the store's, not this process's last read.
        await pauses.refresh();
        return reply.code(200).send({ pauses: pauses.all().map(pauseShown) });
      },
    );
  };
}
