/**
 * The operator's release (POST /{version}/admin/deliveries/release): give up on held and pending copies,
 * telling each message's sender as a dead letter would. One store transaction per batch; `more` tells the
 * caller to ask again.
 */
import type { CopySelector } from '../domain/queue.js';
import type { ReleaseNotice } from '../domain/release.js';
import type { TicketUrl } from '../domain/ticket.js';
import type { QueueStore } from '../storage/ports.js';
import { releasedNotice, withTicket } from '../status/items.js';

/** The states a release body's filter may name; omitted, it takes each in turn. */
export const RELEASE_FILTER_STATES = ['held', 'pending', 'waiting'] as const;

export interface ReleaseDeps {
  dipId: string;
  ticketUrl: TicketUrl | undefined;
}

export async function release(
  store: QueueStore,
  deps: ReleaseDeps,
  selectors: CopySelector[],
  now: number,
  operatorId: string,
) {
  const notice: ReleaseNotice = (m, recipientId, role) =>
    withTicket(releasedNotice(m, deps.dipId, recipientId, role || null, operatorId, now), deps.ticketUrl);
  let released = 0;
  let more = false;
  for (const s of selectors) {
    const r = await store.releaseCopies(s, now, operatorId, notice);
    released += r.changed;
    more ||= r.more;
  }
  return { released, more };
}
