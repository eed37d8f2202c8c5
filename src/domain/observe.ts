/**
 * What the stages tell whoever watches them (the metrics): plain facts, named by channel, role, code and
 * state only. No participant id is ever part of an observation, so nothing built from one can grow a
 * series per participant.
 */
import type { Breaker } from './breaker.js';

/** What became of a copy after one attempt: `retrying` is still pending, with a later attempt. */
export type CopyOutcome = 'delivered' | 'retrying' | 'rejected' | 'held' | 'dead';

export interface SendObservation {
  /** A channel of the catalogue, else `unknown` (the path named none). */
  channel: string;
  status: number;
  /** The MSG code of each message's response item; empty when the request was refused as a whole. */
  codes: readonly string[];
  bytes: number;
  seconds: number;
}

export interface AttemptObservation {
  channel: string;
  /** The recipient's role on the endpoint (`''` for a participant's own STATUS endpoint). */
  role: string;
  /** The webhook's HTTP status, or null when it gave none (timeout, refused connection). */
  status: number | null;
  /** timeout, refused or network when status is null. */
  error: string | null;
  messages: number;
  bytes: number;
  outcomes: Readonly<Partial<Record<CopyOutcome, number>>>;
  /** For each copy delivered, seconds from its acceptance (its copy's creation) to the webhook's answer. */
  deliveredAfter: readonly number[];
  /** The endpoint's breaker as stored before the attempt, and as recorded after it. */
  breaker: { before: Breaker['state']; after: Breaker['state'] };
  /** Identifies the endpoint among this process's observations; never exported as a label. */
  endpointKey: string;
}

export interface DeliveryObserver {
  attempt(o: AttemptObservation): void;
}

export interface ApiObserver {
  send(o: SendObservation): void;
  replayed(channel: string, messages: number): void;
  requeued(channel: string, copies: number): void;
}

export const QUIET_DELIVERY: DeliveryObserver = { attempt: () => undefined };
export const QUIET_API: ApiObserver = { send: () => undefined, replayed: () => undefined, requeued: () => undefined };
