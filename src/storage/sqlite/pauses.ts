/**
 * Pauses on SQLite (migration 0008). Each operation is one statement, so a kill -9 leaves a pause saved
 * or not, resumed or not; never half. Claims skip paused endpoints in leases.ts.
 */
import type { Pause, PauseScope } from '../../domain/pause.js';
import { PAUSE_COLUMNS, toPause } from '../pause-sql.js';
import type { Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

const upsert = statement(
  `INSERT INTO pauses (${PAUSE_COLUMNS}) VALUES (@kind, @channel, @recipientId, @role, @reason, @retryAfterSeconds, @pausedBy, @pausedAt)
     ON CONFLICT (kind, channel, recipient_id, role) DO UPDATE SET reason = excluded.reason,
       retry_after_seconds = excluded.retry_after_seconds, paused_by = excluded.paused_by, paused_at = excluded.paused_at`,
);
const remove = statement(
  'DELETE FROM pauses WHERE kind = @kind AND channel = @channel AND recipient_id = @recipientId AND role = @role',
);
const all = statement(`SELECT ${PAUSE_COLUMNS} FROM pauses ORDER BY kind, channel, recipient_id, role`);

export async function savePause(c: Sqlite, p: Pause): Promise<void> {
  upsert(c).run({ ...p });
}

export async function deletePause(c: Sqlite, scope: PauseScope): Promise<boolean> {
  const { kind, channel, recipientId, role } = scope;
  return remove(c).run({ kind, channel, recipientId, role }).changes > 0;
}

export async function listPauses(c: Sqlite): Promise<Pause[]> {
  return (all(c).all() as Row[]).map(toPause);
}
