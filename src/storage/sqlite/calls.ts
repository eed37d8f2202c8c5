/** API calls on SQLite: each call's audit record, with the evidence of its signature beside it. */
import type { ApiCall } from '../../domain/archive.js';
import { CALLS_WITH_EVIDENCE, EVIDENCE_COLUMNS, evidenceValues, rejectionsColumn, toCall, type Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

const insertCall = statement(
  `INSERT INTO api_calls (at, request_id, caller_id, method, path, channel, status, messages, accepted, duration_ms, remote, outcome, on_behalf_of, rejections)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
// A call's evidence rides with its record. The same request recorded twice has the same evidence.
const insertEvidence = statement(
  `INSERT INTO call_evidence (${EVIDENCE_COLUMNS.join(', ')}) VALUES (${EVIDENCE_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (request_id) DO NOTHING`,
);
const latestCalls = statement(`${CALLS_WITH_EVIDENCE} ORDER BY c.id DESC LIMIT ?`);

export function writeCall(c: Sqlite, call: ApiCall): void {
  insertCall(c).run(
    call.at,
    call.requestId,
    call.callerId,
    call.method,
    call.path,
    call.channel,
    call.status,
    call.messages,
    call.accepted,
    call.durationMs,
    call.remote,
    call.outcome,
    call.onBehalfOf ?? null,
    rejectionsColumn(call),
  );
  if (call.evidence) insertEvidence(c).run(...evidenceValues(call.requestId, call.evidence));
}

export async function recentCalls(c: Sqlite, limit: number): Promise<ApiCall[]> {
  return (latestCalls(c).all(limit) as Row[]).map(toCall);
}
