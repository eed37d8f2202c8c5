/**
 * Pauses of the controlled upgrade outage (seed §8.5.2): an operator stops ingress on a channel (or on
 * all) and delivery to an endpoint (or a whole channel), then resumes them. The vocabulary, the rules
 * that say what a pause covers, and the strict reading of an operator's pause or resume body.
 */

/** Stands for "every" in a pause's channel, recipient or role. */
export const ANY = '*';

export type PauseKind = 'ingress' | 'delivery';

/** What a pause covers; ingress pauses name only a channel (or ANY), recipient and role being ANY. */
export interface PauseScope {
  kind: PauseKind;
  channel: string;
  recipientId: string;
  role: string;
}

export interface Pause extends PauseScope {
  reason: string | null;
  /** The Retry-After an ingress pause answers with, seconds; null: the DIP's setting. */
  retryAfterSeconds: number | null;
  pausedBy: string;
  pausedAt: number;
}

/** The ingress pause that refuses sends to `channel`, if any (a channel's own before the all-channel one). */
export function ingressPauseOf(pauses: readonly Pause[], channel: string): Pause | null {
  const ingress = pauses.filter((p) => p.kind === 'ingress');
  return ingress.find((p) => p.channel === channel) ?? ingress.find((p) => p.channel === ANY) ?? null;
}

/** Whether a delivery pause covers the endpoint (recipient × channel × role). */
export function coversEndpoint(p: PauseScope, recipientId: string, channel: string, role: string): boolean {
  return (
    p.kind === 'delivery' &&
    (p.channel === ANY || p.channel === channel) &&
    (p.recipientId === ANY || p.recipientId === recipientId) &&
    (p.role === ANY || p.role === role)
  );
}

export const countPauses = (pauses: readonly Pause[], kind: PauseKind): number =>
  pauses.filter((p) => p.kind === kind).length;

/** How a pause reads in an answer, a log line or the readiness reasons. */
export function describePause(p: PauseScope): string {
  if (p.kind === 'ingress') return p.channel === ANY ? 'ingress on every channel' : `ingress on ${p.channel}`;
  const who = p.recipientId === ANY ? 'every recipient' : p.recipientId;
  return `delivery on ${p.channel} to ${who}${p.role === ANY ? '' : ` as ${p.role}`}`;
}

export const MAX_RETRY_AFTER_SECONDS = 86_400;
const MAX_REASON = 500;

type Parsed<T> = { ok: true; value: T } | { ok: false; help: string };

/**
 * A pause (or, with `resume`, a resume) body: {"ingress": true, "channel"?, "retryAfter"?, "reason"?} or
 * {"delivery": true, "channel", "recipient"?, "role"?, "reason"?}. Strict, as a typo must not pause (or
 * resume) more than the operator meant. `isChannel` says which channel ids exist (STATUS included for delivery).
 */
export function pauseRequestOf(
  value: unknown,
  isChannel: (id: string, kind: PauseKind) => boolean,
  resume: boolean,
): Parsed<{ scope: PauseScope; reason: string | null; retryAfterSeconds: number | null }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, help: 'the body is a JSON object: {"ingress": true, ...} or {"delivery": true, ...}' };
  }
  const f = value as Record<string, unknown>;
  const kind: PauseKind | null = f.ingress === true && f.delivery === undefined ? 'ingress' : null;
  const chosen = kind ?? (f.delivery === true && f.ingress === undefined ? 'delivery' : null);
  if (!chosen) return { ok: false, help: 'say either "ingress": true or "delivery": true' };
  const allowed = ['ingress', 'delivery', 'channel', 'reason'];
  if (chosen === 'ingress' && !resume) allowed.push('retryAfter');
  if (chosen === 'delivery') allowed.push('recipient', 'role');
  const extra = Object.keys(f).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    return { ok: false, help: `unknown member(s) ${extra.join(', ')}; known: ${allowed.join(', ')}` };
  for (const k of ['channel', 'recipient', 'role', 'reason']) {
    if (f[k] !== undefined && (typeof f[k] !== 'string' || f[k] === '')) {
      return { ok: false, help: `${k} is a non-empty string` };
    }
  }
  const channel = (f.channel as string | undefined)?.toUpperCase() ?? ANY;
  if (channel !== ANY && !isChannel(channel, chosen)) return { ok: false, help: `'${f.channel}' is not a DIP channel` };
  if (chosen === 'delivery' && channel === ANY) {
    return { ok: false, help: 'a delivery pause names its channel (IF-xxx, or STATUS for status messages)' };
  }
  const recipientId = (f.recipient as string | undefined) ?? ANY;
  if (recipientId !== ANY && !/^[0-9A-Fa-f]{10}$/.test(recipientId)) {
    return { ok: false, help: 'recipient is a DIP id: 10 hexadecimal characters' };
  }
  const role = (f.role as string | undefined)?.toUpperCase() ?? ANY;
  if (role !== ANY && recipientId === ANY)
    return { ok: false, help: 'role narrows a recipient: name the recipient too' };
  const reason = (f.reason as string | undefined) ?? null;
  if (reason !== null && reason.length > MAX_REASON)
    return { ok: false, help: `reason is at most ${MAX_REASON} characters` };
  const retry = f.retryAfter;
  if (
    retry !== undefined &&
    (!Number.isSafeInteger(retry) || (retry as number) < 1 || (retry as number) > MAX_RETRY_AFTER_SECONDS)
  ) {
    return { ok: false, help: `retryAfter is a whole number of seconds, 1 to ${MAX_RETRY_AFTER_SECONDS}` };
  }
  return {
    ok: true,
    value: {
      scope: { kind: chosen, channel, recipientId, role },
      reason,
      retryAfterSeconds: (retry as number | undefined) ?? null,
    },
  };
}
