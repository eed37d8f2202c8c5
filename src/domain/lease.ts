/**
 * Delivery leases: who holds an endpoint, and which holders are dead. An endpoint is leased to one
 * delivery engine at a time; the engine renews its leases while it works (a heartbeat), so a lease can be
 * short and a dead engine's endpoints are free soon after it stops renewing. A process that starts again
 * on the same data directory need not wait even that long: it recognises the leases of the process it
 * replaces and ends them at once. Pure.
 */

/** A lease holder: the machine, the process, one engine instance within it, and the data directory it runs on. */
export interface LeaseHolder {
  host: string;
  pid: number;
  /** Distinguishes successive engines of one process (a delivery thread started again). */
  instance: string;
  /** A tag of the data directory, so that processes of different directories never judge each other. */
  dataDir: string;
}

export function formatLeaseHolder(h: LeaseHolder): string {
  return `${h.host}:${h.pid}:${h.instance}:${h.dataDir}`;
}

export function parseLeaseHolder(value: string): LeaseHolder | null {
  const m = /^([^:]+):(\d+):([^:]+):([^:]+)$/.exec(value);
  return m ? { host: m[1]!, pid: Number(m[2]), instance: m[3]!, dataDir: m[4]! } : null;
}

export interface DeadHolderRules {
  /** One process owns the store (the embedded backend's lock): every other holder is gone. */
  exclusive: boolean;
  /** Whether a process of this host is running. */
  isAlive: (pid: number) => boolean;
}

/**
 * The holders among `holders` known to be dead: with an exclusive store, all but `self`; otherwise those of
 * this host and data directory whose process is gone, and earlier engines of this very process.
 * Holders of other machines or directories are left to their leases' expiry.
 */
export function deadHolders(holders: readonly string[], self: LeaseHolder, rules: DeadHolderRules): string[] {
  const me = formatLeaseHolder(self);
  return holders.filter((value) => {
    if (value === me) return false;
    if (rules.exclusive) return true;
    const h = parseLeaseHolder(value);
    if (!h || h.host !== self.host || h.dataDir !== self.dataDir) return false;
    return h.pid === self.pid ? h.instance !== self.instance : !rules.isAlive(h.pid);
  });
}

/** How often a holder renews its leases: often enough that a late renewal or two never loses one. */
export function renewalInterval(leaseMs: number): number {
  return Math.max(100, Math.floor(leaseMs / 4));
}
