/** API calls on PostgreSQL: each call's audit record, with the evidence of its signature beside it. */
import type { ApiCall } from '../../domain/archive.js';
import {
  CALLS_WITH_EVIDENCE,
  chunks,
  EVIDENCE_COLUMNS,
  evidenceValues,
  rejectionsColumn,
  toCall,
  type Row,
} from '../rows.js';
import { CHUNK, type Postgres, type Queryable } from './pool.js';

export async function insertCalls(t: Queryable, calls: ApiCall[]): Promise<void> {
  for (const k of chunks(calls, CHUNK)) {
    await t.query(
      `INSERT INTO api_calls (at, request_id, caller_id, method, path, channel, status, messages, accepted, duration_ms, remote, outcome, on_behalf_of, rejections)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[], $12::text[], $13::text[], $14::text[])`,
      [
        k.map((x) => x.at),
        k.map((x) => x.requestId),
        k.map((x) => x.callerId),
        k.map((x) => x.method),
        k.map((x) => x.path),
        k.map((x) => x.channel),
        k.map((x) => x.status),
        k.map((x) => x.messages),
        k.map((x) => x.accepted),
        k.map((x) => Math.round(x.durationMs)),
        k.map((x) => x.remote),
        k.map((x) => x.outcome),
        k.map((x) => x.onBehalfOf ?? null),
        k.map(rejectionsColumn),
      ],
    );
  }
  // A call's evidence rides with its record, in the same transaction. The same request recorded twice has the same
  // evidence.
  const rows = calls.flatMap((x) => (x.evidence ? [evidenceValues(x.requestId, x.evidence)] : []));
  for (const k of chunks(rows, CHUNK)) {
    await t.query(
      `INSERT INTO call_evidence (${EVIDENCE_COLUMNS.join(', ')}) SELECT * FROM unnest(${EVIDENCE_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})
       ON CONFLICT (request_id) DO NOTHING`,
      EVIDENCE_COLUMNS.map((_, i) => k.map((row) => row[i])),
    );
  }
}

export async function recentCalls(c: Postgres, limit: number): Promise<ApiCall[]> {
  return ((await c.pool.query(`${CALLS_WITH_EVIDENCE} ORDER BY c.id DESC LIMIT $1`, [limit])).rows as Row[]).map(
    toCall,
  );
}
