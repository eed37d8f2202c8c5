/**
 * The send API's answer while ingress is paused on a channel (seed §8.5.2, a controlled upgrade outage):
 * 503 with Retry-After and one StandardResponse item, from the headers, before the body is read or
 * anything stored. A request already past this check when the pause lands is accepted as usual.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describePause } from '../domain/pause.js';
import type { AppDeps } from './context.js';
import type { signedGuards } from './guards.js';

/** True (and the 503 sent) when ingress on `channel` is paused. */
export function refusedWhilePaused(
  deps: AppDeps,
  signed: Pick<ReturnType<typeof signedGuards>, 'refuseCall'>,
  request: FastifyRequest,
  reply: FastifyReply,
  channel: string,
): boolean {
  const pause = deps.pauses.ingress(channel);
  if (!pause) return false;
  const seconds = pause.retryAfterSeconds ?? deps.config.pauseRetryAfterSeconds;
  reply.header('retry-after', String(seconds));
  signed.refuseCall(
    request,
    reply,
    503,
    'MSG1000',
    `the DIP has paused ${describePause(pause)}${pause.reason ? ` (${pause.reason})` : ''}; ` +
      `nothing of this request was stored: send it again after ${seconds} s`,
  );
  return true;
}
