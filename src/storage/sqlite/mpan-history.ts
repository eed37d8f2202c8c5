/** Every appointment on record for one MPAN, with the message that made it (the operator's and a server's view). */
import type { AppointmentRecord } from '../../domain/mpan-services.js';
import { toAppointmentRecord, type Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

const history = statement(
  `SELECT s.service, s.participant_id, s.effective_from, s.effective_to, s.source_seq, m.channel, m.transaction_id
     FROM mpan_services s LEFT JOIN messages m ON m.seq = s.source_seq
     WHERE s.mpan = ? ORDER BY s.service, s.effective_from, s.rowid`,
);

export async function mpanHistory(c: Sqlite, mpan: string): Promise<AppointmentRecord[]> {
  return (history(c).all(mpan) as Row[]).map(toAppointmentRecord);
}
