/**
 * Copies waiting for a webhook: a recipient with no webhook for a channel has its copies kept (its endpoint
 * parked) until it configures one. Past the notice setting the sender is told, once per copy.
 */

/** Copies one sweep transaction looks at; the sweep repeats while `more`. */
export const WAITING_SWEEP_BATCH = 1_000;

export interface WaitingSweepResult {
  /** Copies whose sender was told in this sweep. */
  noticed: number;
  /** More copies are past the cutoff than one transaction takes. */
  more: boolean;
}
