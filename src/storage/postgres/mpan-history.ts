/** Every appointment on record for one MPAN, with the message that made it (the operator's and a server's view). */
import type { AppointmentRecord } from '../../domain/mpan-services.js';
import { toAppointmentRecord, type Row } from '../rows.js';
import type { Postgres } from './pool.js';

export async function mpanHistory(c: Postgres, mpan: string): Promise<AppointmentRecord[]> {
  // The archive may have purged the message since (retention): the appointment stays, naming its seq only.
  const { rows } = await c.pool.query(
    `SELECT s.service, s.participant_id, s.effective_from, s.effective_to, s.source_seq, m.channel, m.transaction_id
       FROM mpan_services s LEFT JOIN messages m ON m.seq = s.source_seq
       WHERE s.mpan = $1 ORDER BY s.service, s.effective_from, s.participant_id`,
    [mpan],
  );
  return (rows as Row[]).map(toAppointmentRecord);
}
