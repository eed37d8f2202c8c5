/**
 * The MPAN registry on PostgreSQL: who serves an MPAN from when, changed by registration messages (inside
 * their batch's transaction) and by operators' imports, with the same rules as routing's MpanView.
 */
import type { MpanChange } from '../../domain/appointments.js';
import type { MpanStore } from '../ports.js';
import { toAppointment, type Row } from '../rows.js';
import { transaction, type Postgres, type Queryable } from './pool.js';

/** Who serves at a moment, as SQL: the latest appointment in force then (MpanView.serving). */
const SERVING_AT = (mpan: string, service: string, at: string): string =>
  `(SELECT s.participant_id FROM mpan_services s WHERE s.mpan = ${mpan} AND s.service = ${service} AND s.effective_from <= ${at}
     AND (s.effective_to IS NULL OR s.effective_to > ${at}) ORDER BY s.effective_from DESC, s.participant_id DESC LIMIT 1)`;

/** Registry locks are taken on this many buckets of (MPAN, service): enough to spread, few enough for any batch. */
const REGISTRY_LOCK_BUCKETS = 256;
const REGISTRY_LOCK_SPACE = 0x0d1b_0003;

export async function appointments(c: Postgres, mpans: string[]): ReturnType<MpanStore['appointments']> {
  const rows = (
    await c.pool.query(
      'SELECT mpan, service, participant_id, effective_from, effective_to FROM mpan_services WHERE mpan = ANY($1::text[])',
      [[...new Set(mpans)]],
    )
  ).rows as Row[];
  return rows.map(toAppointment);
}

export async function applyMpanChanges(c: Postgres, changes: MpanChange[]): Promise<number> {
  return transaction(c.pool, (t) => applyChanges(t, changes));
}

/**
 * Applies changes in order; runs of appointments to distinct (MPAN, service) pairs go in one statement.
 * The (MPAN, service) pairs are locked first, by bucket and in one order, so that processes changing the
 * same MPAN at once take turns (never two open appointments) and never deadlock; a bulk import of
 * thousands of MPANs takes at most REGISTRY_LOCK_BUCKETS locks.
 */
export async function applyChanges(t: Queryable, changes: MpanChange[]): Promise<number> {
  await t.query(
    `SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_SPACE}, b)
     FROM (SELECT DISTINCT abs(hashtext(k) % ${REGISTRY_LOCK_BUCKETS}) AS b FROM unnest($1::text[]) AS k) buckets ORDER BY b`,
    [[...new Set(changes.map((ch) => `${ch.mpan}|${ch.service}`))]],
  );
  let applied = 0;
  let run: MpanChange[] = [];
  const seen = new Set<string>();
  const flush = async (): Promise<void> => {
    if (run.length > 1) applied += await appointAll(t, run);
    else if (run.length === 1) applied += (await applyChange(t, run[0]!)) > 0 ? 1 : 0;
    run = [];
    seen.clear();
  };
  for (const ch of changes) {
    const k = `${ch.mpan}|${ch.service}`;
    if (ch.action !== 'appoint') {
      await flush();
      applied += (await applyChange(t, ch)) > 0 ? 1 : 0;
      continue;
    }
    if (seen.has(k)) await flush();
    seen.add(k);
    run.push(ch);
  }
  await flush();
  return applied;
}

async function applyChange(t: Queryable, ch: MpanChange): Promise<number> {
  if (ch.action === 'end') {
    return (
      (
        await t.query(
          `UPDATE mpan_services SET effective_to = $1 WHERE mpan = $2 AND service = $3 AND participant_id = $4 AND effective_to IS NULL AND effective_from < $1`,
          [ch.at, ch.mpan, ch.service, ch.participantId],
        )
      ).rowCount ?? 0
    );
  }
  // Re-appointing whoever serves at that moment changes nothing (every REGS message re-states its REGS and LDSO).
  const serving = await t.query<{ participant_id: string }>(
    `SELECT ${SERVING_AT('$1', '$2', '$3')} AS participant_id`,
    [ch.mpan, ch.service, ch.at],
  );
  if (serving.rows[0]?.participant_id === ch.participantId) return 0;
  await t.query(
    `UPDATE mpan_services SET effective_to = $1 WHERE mpan = $2 AND service = $3 AND effective_to IS NULL AND effective_from < $1`,
    [ch.at, ch.mpan, ch.service],
  );
  return (
    (
      await t.query(
        `INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq) VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT DO NOTHING`,
        [ch.mpan, ch.service, ch.participantId, ch.at, ch.sourceSeq],
      )
    ).rowCount ?? 0
  );
}

/**
 * Appointments of distinct (MPAN, service) pairs, applied as one statement with the same rules as
 * applyChange: the bulk import's path. Returns how many were new.
 */
async function appointAll(t: Queryable, changes: MpanChange[]): Promise<number> {
  const r = await t.query<{ n: number }>(
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS i(mpan, service, pid, at, src)),
     fresh AS (SELECT i.* FROM input i WHERE coalesce(${SERVING_AT('i.mpan', 'i.service', 'i.at')}, '') <> i.pid),
     closed AS (UPDATE mpan_services s SET effective_to = f.at FROM fresh f
       WHERE s.mpan = f.mpan AND s.service = f.service AND s.effective_to IS NULL AND s.effective_from < f.at RETURNING 1),
     added AS (INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq)
       SELECT mpan, service, pid, at, NULL, src FROM fresh ON CONFLICT DO NOTHING RETURNING 1)
     SELECT (SELECT count(*) FROM added)::int AS n, (SELECT count(*) FROM closed)::int AS closed`,
    [
      changes.map((x) => x.mpan),
      changes.map((x) => x.service),
      changes.map((x) => x.participantId),
      changes.map((x) => x.at),
      changes.map((x) => x.sourceSeq),
    ],
  );
  return r.rows[0]!.n;
}
