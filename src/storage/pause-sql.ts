/**
 * What both backends share about pauses: the condition that keeps a paused endpoint from being claimed
 * (the same SQL in both dialects) and the row of a pause as a Pause.
 */
import type { Pause, PauseKind } from '../domain/pause.js';
import { optionalNumber, type Row } from './rows.js';

/**
 * True for an endpoint row (`e`: its table or alias) that no delivery pause covers. The pauses table holds a
 * handful of rows, so the check costs a probe of its primary key per candidate endpoint.
 */
export const notPausedSql = (e: string): string =>
  `NOT EXISTS (SELECT 1 FROM pauses p WHERE p.kind = 'delivery' AND p.channel IN (${e}.channel, '*')
     AND p.recipient_id IN (${e}.recipient_id, '*') AND p.role IN (${e}.role, '*'))`;

export const PAUSE_COLUMNS = 'kind, channel, recipient_id, role, reason, retry_after_seconds, paused_by, paused_at';

export const toPause = (r: Row): Pause => ({
  kind: r.kind as PauseKind,
  channel: r.channel as string,
  recipientId: r.recipient_id as string,
  role: r.role as string,
  reason: (r.reason as string | null) ?? null,
  retryAfterSeconds: optionalNumber(r.retry_after_seconds),
  pausedBy: r.paused_by as string,
  pausedAt: Number(r.paused_at),
});
