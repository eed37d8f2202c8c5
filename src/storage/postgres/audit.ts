/** Audit search on PostgreSQL: the shared audit SQL, with PostgreSQL's positional parameters. */
import type {
  ApiCall,
  ArchivedMessage,
  AuditCriteria,
  ReceivedTotal,
  RejectionTotal,
  SendTotal,
} from '../../domain/archive.js';
import type { AuditScope } from '../../domain/entitlement.js';
import type { CallEvidence } from '../../domain/evidence.js';
import {
  auditSearchSql,
  callSearchSql,
  receivedTotalsSql,
  rejectionsSql,
  sendTotalsSql,
  toReceivedTotal,
  toRejectionTotals,
  toSendTotal,
} from '../audit-sql.js';
import type { AuditStore } from '../ports.js';
import { evidenceByRequest, toListedCall, toListedMessage, type Row } from '../rows.js';
import { Params, type Postgres } from './pool.js';

export async function searchMessages(
  c: Postgres,
  criteria: AuditCriteria,
  scope: AuditScope | null,
  after: number | null,
  limit: number,
): Promise<ArchivedMessage[]> {
  const p = new Params();
  const sql = auditSearchSql(criteria, scope, after, limit, (v) => p.add(v));
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toListedMessage);
}

export async function searchCalls(
  c: Postgres,
  criteria: Parameters<AuditStore['searchCalls']>[0],
  visibleTo: string[] | null,
  before: number | null,
  limit: number,
): Promise<(ApiCall & { id: number })[]> {
  const p = new Params();
  const sql = callSearchSql(criteria, visibleTo, before, limit, (v) => p.add(v));
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toListedCall);
}

export async function evidenceOf(c: Postgres, requestIds: string[]): Promise<Map<string, CallEvidence>> {
  const r = await c.pool.query('SELECT * FROM call_evidence WHERE request_id = ANY($1::text[])', [
    [...new Set(requestIds)],
  ]);
  return evidenceByRequest(r.rows as Row[]);
}

export async function sendTotals(c: Postgres, since: number, callerId: string | null): Promise<SendTotal[]> {
  const p = new Params();
  const sql = sendTotalsSql(since, callerId, (v) => p.add(v));
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toSendTotal);
}

export async function receivedTotals(
  c: Postgres,
  recipientId: string,
  since: number,
  cap: number,
): Promise<ReceivedTotal[]> {
  const p = new Params();
  const sql = receivedTotalsSql(recipientId, since, cap, (v) => p.add(v));
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toReceivedTotal(cap));
}

export async function rejectionTotals(c: Postgres, since: number, callerId: string): Promise<RejectionTotal[]> {
  const p = new Params();
  const sql = rejectionsSql(since, callerId, (v) => p.add(v));
  return toRejectionTotals((await c.pool.query(sql, p.values)).rows as Row[]);
}
