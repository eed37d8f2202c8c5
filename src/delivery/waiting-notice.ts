/**
 * The waiting sweep (run by housekeeping on the node that leads it): message copies waiting for a webhook
 * longer than --waiting-notice-minutes tell their sender once, as MSG1000 with a help text naming the
 * recipient. Each batch is one store transaction; a round takes at most MAX_BATCHES of them, the next round
 * goes on where it stopped.
 */
import type { CopyNotice } from '../domain/release.js';
import type { TicketUrl } from '../domain/ticket.js';
import type { QueueStore } from '../storage/ports.js';
import { waitingNotice, withTicket } from '../status/items.js';

const MAX_BATCHES = 20;

export interface WaitingSweepDeps {
  dipId: string;
  ticketUrl: TicketUrl | undefined;
  /** How long a copy waits before its sender is told; 0: never told. */
  noticeMs: number;
}

/** How many senders' copies were told about in this round. */
export async function sweepWaiting(store: QueueStore, deps: WaitingSweepDeps, now: number): Promise<number> {
  if (deps.noticeMs <= 0) return 0;
  const minutes = Math.round(deps.noticeMs / 60_000);
  const notice: CopyNotice = (m, recipientId, role) =>
    withTicket(waitingNotice(m, deps.dipId, recipientId, role || null, minutes, now), deps.ticketUrl);
  const reason = `waiting for a webhook for more than ${minutes} minutes; the sender was told`;
  let noticed = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const r = await store.noticeWaitingCopies(now - deps.noticeMs, now, reason, notice);
    noticed += r.noticed;
    if (!r.more) break;
  }
  return noticed;
}
