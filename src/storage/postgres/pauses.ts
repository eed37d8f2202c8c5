/**
 * Pauses on PostgreSQL (migration 0008), shared by every process of the DIP. Each operation is one
 * statement, so a kill -9 leaves a pause saved or not, resumed or not. Claims skip paused endpoints in
 * leases.ts; resuming delivery sends NOTIFY in its own commit, so idle workers everywhere look at once.
 */
import type { Pause, PauseScope } from '../../domain/pause.js';
import { PAUSE_COLUMNS, toPause } from '../pause-sql.js';
import type { Row } from '../rows.js';
import { notifyDue } from './due.js';
import { transaction, type Postgres } from './pool.js';

export async function savePause(c: Postgres, p: Pause): Promise<void> {
  await c.pool.query(
    `INSERT INTO pauses (${PAUSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (kind, channel, recipient_id, role) DO UPDATE SET reason = excluded.reason,
         retry_after_seconds = excluded.retry_after_seconds, paused_by = excluded.paused_by, paused_at = excluded.paused_at`,
    [p.kind, p.channel, p.recipientId, p.role, p.reason, p.retryAfterSeconds, p.pausedBy, p.pausedAt],
  );
}

export async function deletePause(c: Postgres, scope: PauseScope): Promise<boolean> {
  return transaction(c.pool, async (t) => {
    const r = await t.query('DELETE FROM pauses WHERE kind = $1 AND channel = $2 AND recipient_id = $3 AND role = $4', [
      scope.kind,
      scope.channel,
      scope.recipientId,
      scope.role,
    ]);
    const gone = (r.rowCount ?? 0) > 0;
    if (gone && scope.kind === 'delivery') await notifyDue(t);
    return gone;
  });
}

export async function listPauses(c: Postgres): Promise<Pause[]> {
  const r = await c.pool.query(`SELECT ${PAUSE_COLUMNS} FROM pauses ORDER BY kind, channel, recipient_id, role`);
  return (r.rows as Row[]).map(toPause);
}
