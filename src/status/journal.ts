/**
 * The delivery-status journal of one message (DIPJournalRecord, 2.2.1 facts §10): Inbound, MPAN updates,
 * Addressing with the recipient map, every Outbound copy and each status message about it. What happened
 * on the happy path is read from the archive and the copies' own rows; the journal table adds what went
 * wrong. Pure, but for `readJournalRecord`, which reads what it needs.
 */
import type { ArchiveReader, DeliveryStore } from '../storage/ports.js';
import type { ArchivedMessage, JournalEntry } from '../domain/archive.js';
import type { DeliveryState, DeliveryUpdate } from '../domain/delivery.js';
import { formatJournalTime } from '../domain/time.js';
import type { StandardResponseItem } from '../domain/responses.js';

export interface CopyState extends DeliveryUpdate {
  recipientId: string;
  role: string | null;
  lastAttemptAt: number | null;
}

export interface StatusState {
  recipientId: string;
  item: StandardResponseItem;
  createdAt: number;
  state: DeliveryState;
  lastAttemptAt: number | null;
  lastStatus: number | null;
}

/**
 * What the asker may see: the sender (in the role it sent in) sees everything; a recipient, its own copies
 * in the roles the asker acts in (`role` null: an entry kept before roles were, the participant's own).
 */
export interface Viewer {
  isSender: boolean;
  sees(recipientId: string, role: string | null): boolean;
}

const STAGES = ['Inbound', 'MPANUpdateQueue', 'Addressing', 'Outbound', 'StatusMessage'];

const OUTBOUND_STATUS: Record<DeliveryState, string> = {
  pending: 'Retrying',
  delivered: 'Delivered',
  rejected: 'RejectedByRecipient',
  held: 'Paused',
  dead: 'RetriesExhausted',
};
const STATUS_STATUS: Record<DeliveryState, string> = {
  pending: 'Retrying',
  delivered: 'Delivered',
  rejected: 'DeliveryFailure',
  held: 'Paused',
  dead: 'DeliveryFailure',
};

export function journalRecord(
  m: ArchivedMessage,
  journal: JournalEntry[],
  copies: CopyState[],
  statuses: StatusState[],
  senderTimestamp: string | null,
  viewer: Viewer,
): Record<string, unknown> {
  const sentDateTime = formatJournalTime(m.receivedAt, false);
  const delay = senderTimestamp ? Math.max(0, m.receivedAt - Date.parse(senderTimestamp)) : 0;
  const entries: Record<string, unknown>[] = [];
  const entry = (at: number, stage: string, status: string, code: number, extra: Record<string, unknown> = {}) =>
    entries.push({
      TimeGenerated: formatJournalTime(at),
      SenderDIPID: m.senderId,
      Interface: m.channel,
      EventCode: m.eventCode,
      Reason: null,
      SentDateTime: sentDateTime,
      Duration: 0,
      MessageDelayInMilliSeconds: Number.isFinite(delay) ? delay : 0,
      SenderUniqueReference: m.senderUniqueReference,
      DIPTransactionID: m.transactionId,
      DIPCorrelationID: m.correlationId,
      MPANCore: m.mpan,
      DIPStage: stage,
      Status: status,
      StatusCode: code,
      Message: null,
      ...extra,
    });

  for (const j of journal) {
    if (j.stage === 'Outbound' && !viewer.isSender && !(j.recipient !== null && viewer.sees(j.recipient, j.role)))
      continue;
    if (j.stage === 'StatusMessage' && !viewer.isSender) continue;
    entry(j.at, j.stage, j.status, j.statusCode, {
      Reason: j.reason,
      Message: j.message,
      Duration: j.durationMs,
      ...(j.recipient ? { Recipient: j.recipient } : {}),
    });
  }
  const recipients = m.recipients?.recipients ?? [];
  const map = {
    Primary: [] as { role: string; dipId: string }[],
    Secondary: [] as { role: string; dipId: string }[],
    Always: [] as { role: string; dipId: string }[],
  };
  for (const r of recipients)
    map[r.kind === 'primary' ? 'Primary' : r.kind === 'secondary' ? 'Secondary' : 'Always'].push({
      role: r.role,
      dipId: r.dipId,
    });
  entry(m.receivedAt, 'Addressing', 'SentToTopic', 200, {
    Recipients: [...new Set(recipients.map((r) => r.dipId))],
    RecipientMap: map,
  });
  // Failed attempts are in the journal already; a delivery is recorded only on the copy's own row.
  for (const c of copies) {
    if (c.state !== 'delivered' || (!viewer.isSender && !viewer.sees(c.recipientId, c.role))) continue;
    entry(c.lastAttemptAt ?? m.receivedAt, 'Outbound', OUTBOUND_STATUS[c.state], c.lastStatus ?? 0, {
      Recipient: c.recipientId,
    });
  }
  if (viewer.isSender) {
    for (const s of statuses) {
      entry(
        s.lastAttemptAt ?? s.createdAt,
        'StatusMessage',
        s.state === 'pending' && s.lastAttemptAt === null ? 'Retrying' : STATUS_STATUS[s.state],
        s.lastStatus ?? 0,
        {
          Recipient: s.recipientId,
          Message: s.item.message,
          Reason: s.item.help,
        },
      );
    }
  }
  // By time, then by pipeline stage for entries of the same moment.
  entries.sort(
    (a, b) =>
      String(a.TimeGenerated).localeCompare(String(b.TimeGenerated)) ||
      STAGES.indexOf(a.DIPStage as string) - STAGES.indexOf(b.DIPStage as string),
  );
  entries.forEach((e, i) => (e.rn = i + 1));
  return {
    SentDateTime: sentDateTime,
    Interface: m.channel,
    SenderUniqueReference: m.senderUniqueReference,
    DIPTransactionID: m.transactionId,
    DIPCorrelationID: m.correlationId,
    MPANCore: m.mpan,
    JournalEntries: entries,
  };
}

/** Reads a message's journal, copies and status messages, and makes its record for the viewer. */
export async function readJournalRecord(
  store: Pick<ArchiveReader, 'journalOf'> & Pick<DeliveryStore, 'deliveriesOf' | 'statusMessagesOf'>,
  m: ArchivedMessage,
  viewer: Viewer,
): Promise<Record<string, unknown>> {
  const [journal, copies, statuses] = await Promise.all([
    store.journalOf(m.seq),
    store.deliveriesOf(m.seq),
    store.statusMessagesOf(m.seq),
  ]);
  const s1 = (JSON.parse(m.payload.toString('utf8')) as { CommonBlock?: { S1?: { senderTimestamp?: string } } })
    .CommonBlock?.S1;
  return journalRecord(m, journal, copies, statuses, s1?.senderTimestamp ?? null, viewer);
}
