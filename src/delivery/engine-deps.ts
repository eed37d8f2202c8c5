/** What the delivery engine is built from: its store, sender, clock and policy (runner.ts runs it). */
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { BreakerPolicy } from '../domain/breaker.js';
import type { DeliveryObserver } from '../domain/observe.js';
import type { RetryPolicy } from '../domain/retry.js';
import type { TicketUrl } from '../domain/ticket.js';
import type { Clock } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { DeliveryStore, IngestStore, WebhookStore } from '../storage/ports.js';
import type { Sender } from './sender.js';

export interface DeliveryPolicy {
  retry: RetryPolicy;
  breaker: BreakerPolicy;
  /** How long a lone message may wait for others to share its call. */
  lingerMs: number;
  /** Endpoints served at once. */
  concurrency: number;
  leaseMs: number;
  /** How often to look for due work when nothing wakes the engine. */
  pollMs: number;
}

export interface RunnerDeps {
  store: DeliveryStore & WebhookStore & Pick<IngestStore, 'reserveSequence'>;
  sender: Sender;
  catalogue: Catalogue;
  registry: () => RegistryView;
  /**
   * Resolves once `registry()` holds every registry change made in this process before the call (a thread
   * of its own hears of them by message, and a due copy may be found before the message is read).
   */
  registryCaughtUp?: () => Promise<void>;
  clock: Clock;
  logger: Logger;
  dipId: string;
  /** This engine's name on the leases it holds. */
  owner: string;
  /** Which of the current lease holders are dead and can be released at start (see domain/lease.ts). */
  deadHolders: (holders: string[]) => string[];
  policy: DeliveryPolicy;
  random: () => number;
  /** The audit URL of a transaction, for D0.serviceTicketURL. */
  ticketUrl?: TicketUrl;
  /** Told what each recorded attempt did (the metrics). */
  observer?: DeliveryObserver;
}
