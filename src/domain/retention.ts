/**
 * Retention per channel (seed §4.9: "dependent upon the retention time set with each message channel
 * (the default retention is 2 years)"). Pure: what to keep, as housekeeping and replay need it.
 */

export interface Retention {
  defaultMs: number;
  /** Channels kept for a time of their own. */
  byChannel: Readonly<Record<string, number>>;
}

/** What housekeeping purges: everything older than the longest retention, and each shorter-kept channel sooner. */
export interface RetentionPlan {
  longestMs: number;
  shorter: { channel: string; ms: number }[];
}

export function retentionFor(r: Retention, channel: string): number {
  return r.byChannel[channel] ?? r.defaultMs;
}

/** The plan for these channels (all the DIP carries). */
export function retentionPlan(r: Retention, channels: Iterable<string>): RetentionPlan {
  const all = [...new Set([...channels, ...Object.keys(r.byChannel)])].sort();
  const longestMs = Math.max(r.defaultMs, ...all.map((c) => retentionFor(r, c)));
  return {
    longestMs,
    shorter: all.map((channel) => ({ channel, ms: retentionFor(r, channel) })).filter((c) => c.ms < longestMs),
  };
}

export interface HousekeepingReport {
  /** Endpoint leases found expired and cleared (their holder died or stalled). */
  leasesRescued: number;
  partitionsCreated: number;
  partitionsDropped: number;
  /** Archived messages removed because they were past retention. */
  messagesPurged: number;
}
