/**
 * The MPAN registry on SQLite: who serves an MPAN from when, changed by registration messages (inside
 * their batch's transaction) and by operators' imports, with the same rules as routing's MpanView.
 */
import type { MpanChange } from '../../domain/appointments.js';
import type { MpanStore } from '../ports.js';
import { chunks, toAppointment, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';

// Who serves at a moment: the latest appointment in force then (MpanView.serving).
const servingAt = statement(
  `SELECT participant_id FROM mpan_services WHERE mpan = @mpan AND service = @service AND effective_from <= @at AND (effective_to IS NULL OR effective_to > @at)
     ORDER BY effective_from DESC, rowid DESC LIMIT 1`,
  'pluck',
);
const closeOpen = statement(
  `UPDATE mpan_services SET effective_to = ? WHERE mpan = ? AND service = ? AND effective_to IS NULL AND effective_from < ?`,
);
const appoint = statement(
  `INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq) VALUES (?, ?, ?, ?, NULL, ?)
     ON CONFLICT DO NOTHING`,
);
const endAppointment = statement(
  `UPDATE mpan_services SET effective_to = ? WHERE mpan = ? AND service = ? AND participant_id = ? AND effective_to IS NULL AND effective_from < ?`,
);

/** Applies one change inside the caller's transaction; the rows it changed. */
export function applyChange(c: Sqlite, ch: MpanChange): number {
  if (ch.action === 'end') return endAppointment(c).run(ch.at, ch.mpan, ch.service, ch.participantId, ch.at).changes;
  // Re-appointing whoever serves at that moment changes nothing (every REGS message re-states its REGS and LDSO).
  if (servingAt(c).get({ mpan: ch.mpan, service: ch.service, at: ch.at }) === ch.participantId) return 0;
  closeOpen(c).run(ch.at, ch.mpan, ch.service, ch.at);
  return appoint(c).run(ch.mpan, ch.service, ch.participantId, ch.at, ch.sourceSeq).changes;
}

export async function appointments(c: Sqlite, mpans: string[]): ReturnType<MpanStore['appointments']> {
  const out: Awaited<ReturnType<MpanStore['appointments']>> = [];
  for (const chunk of chunks([...new Set(mpans)], 500)) {
    const rows = c.db
      .prepare(
        `SELECT mpan, service, participant_id, effective_from, effective_to FROM mpan_services WHERE mpan IN (${chunk.map(() => '?').join(',')})`,
      )
      .all(...chunk) as Row[];
    for (const r of rows) out.push(toAppointment(r));
  }
  return out;
}

export async function applyMpanChanges(c: Sqlite, changes: MpanChange[]): Promise<number> {
  return immediate(c, () => changes.reduce((n, ch) => n + (applyChange(c, ch) > 0 ? 1 : 0), 0));
}
