/**
 * The operator's view of delivery endpoints (GET /{version}/admin/endpoints): one per recipient × channel ×
 * role, with its breaker, when it is next due, whether a webhook serves it, and its copies pending. The
 * filter, the keyset cursor and its codec; no other behaviour.
 */
import type { Breaker } from './breaker.js';

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export interface EndpointFilter {
  recipientId: string | null;
  channel: string | null;
  role: string | null;
  breaker: BreakerState | null;
}

export interface EndpointView {
  recipientId: string;
  channel: string;
  role: string;
  breaker: Breaker;
  /** When a runner may next claim it; null: nothing to send, or parked until a webhook is configured. */
  nextDueAt: number | null;
  /** A delivery runner holds it (its lease may have run out, not yet rescued). */
  leased: boolean;
  /** A webhook is configured for the recipient on the channel, for this role or channel-wide. */
  webhook: boolean;
  /** Copies pending, counted up to ENDPOINT_PENDING_CAP + 1. */
  pending: number;
  /** The copy next due: its last answer, if it was tried. */
  lastStatus: number | null;
  lastError: string | null;
}

export type EndpointCursor = [recipientId: string, channel: string, role: string];

export const MAX_ENDPOINT_PAGE = 100;
/**
 * Copies pending are counted per endpoint up to this: a page of MAX_ENDPOINT_PAGE endpoints walks at most
 * a million index entries, however large a backlog is.
 */
export const ENDPOINT_PENDING_CAP = 10_000;

export const encodeEndpointCursor = (c: EndpointCursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeEndpointCursor(text: string): EndpointCursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string')) return v as EndpointCursor;
  } catch {
    // not a cursor of ours
  }
  return null;
}
