/** Audit search on SQLite: the shared audit SQL, with SQLite's named parameters. */
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
import { namedParams, statement, type Sqlite } from './context.js';

const evidenceOfRequest = statement('SELECT * FROM call_evidence WHERE request_id = ?');

export async function searchMessages(
  c: Sqlite,
  criteria: AuditCriteria,
  scope: AuditScope | null,
  after: number | null,
  limit: number,
): Promise<ArchivedMessage[]> {
  const { param, values } = namedParams();
  const sql = auditSearchSql(criteria, scope, after, limit, param);
  return (c.db.prepare(sql).all(values) as Row[]).map(toListedMessage);
}

export async function searchCalls(
  c: Sqlite,
  criteria: Parameters<AuditStore['searchCalls']>[0],
  visibleTo: string[] | null,
  before: number | null,
  limit: number,
): Promise<(ApiCall & { id: number })[]> {
  const { param, values } = namedParams();
  const sql = callSearchSql(criteria, visibleTo, before, limit, param);
  return (c.db.prepare(sql).all(values) as Row[]).map(toListedCall);
}

export async function evidenceOf(c: Sqlite, requestIds: string[]): Promise<Map<string, CallEvidence>> {
  const rows = [...new Set(requestIds)].flatMap((id) => {
    const r = evidenceOfRequest(c).get(id) as Row | undefined;
    return r ? [r] : [];
  });
  return evidenceByRequest(rows);
}

export async function sendTotals(c: Sqlite, since: number, callerId: string | null): Promise<SendTotal[]> {
  const { param, values } = namedParams();
  return (c.db.prepare(sendTotalsSql(since, callerId, param)).all(values) as Row[]).map(toSendTotal);
}

export async function receivedTotals(
  c: Sqlite,
  recipientId: string,
  since: number,
  cap: number,
): Promise<ReceivedTotal[]> {
  const { param, values } = namedParams();
  const sql = receivedTotalsSql(recipientId, since, cap, param);
  return (c.db.prepare(sql).all(values) as Row[]).map(toReceivedTotal(cap));
}

export async function rejectionTotals(c: Sqlite, since: number, callerId: string): Promise<RejectionTotal[]> {
  const { param, values } = namedParams();
  return toRejectionTotals(c.db.prepare(rejectionsSql(since, callerId, param)).all(values) as Row[]);
}
