/**
 * Readiness, judged from facts gathered elsewhere: a process is ready to take traffic when its store
 * answers with the schema this code expects, its delivery thread (if it delivers) runs, and, when an
 * operator asked for it, delivery is not overdue by more than they allow.
 */

export interface ReadinessFacts {
  /** null when the store answered; else why not. */
  storeError: string | null;
  /** Migrations this code ships that the database has not had (0 when current). */
  migrationsBehind: number;
  /** null: this process does not deliver on a thread. */
  deliveryThreadAlive: boolean | null;
  /** How long the most overdue endpoint has waited past its due time, ms (0: none overdue); null: not read. */
  overdueMs: number | null;
  /** 0: overdue delivery does not make the process unready. */
  maxOverdueMs: number;
  /** The ingress pauses in force, described (a paused process takes no sends, so a balancer should look elsewhere). */
  ingressPaused?: string[];
}

export interface Readiness {
  ready: boolean;
  /** One line per failed check, for the operator reading the 503. */
  reasons: string[];
  checks: { store: boolean; migrations: boolean; deliveryThread: boolean | null; overdueSeconds: number | null };
}

export function judgeReadiness(f: ReadinessFacts): Readiness {
  const reasons: string[] = [];
  if (f.storeError !== null) reasons.push(`the store does not answer: ${f.storeError}`);
  else if (f.migrationsBehind > 0)
    reasons.push(
      `the database lacks ${f.migrationsBehind} migration(s) this version needs; start one process to apply them`,
    );
  if (f.deliveryThreadAlive === false) reasons.push('the delivery thread is not running (it is being started again)');
  const overdue = f.overdueMs === null ? null : Math.max(0, f.overdueMs);
  if (f.maxOverdueMs > 0 && overdue !== null && overdue > f.maxOverdueMs)
    reasons.push(
      `delivery is ${Math.round(overdue / 1000)} s overdue, more than the ${Math.round(f.maxOverdueMs / 1000)} s allowed`,
    );
  for (const p of f.ingressPaused ?? []) reasons.push(`an operator paused ${p}`);
  return {
    ready: reasons.length === 0,
    reasons,
    checks: {
      store: f.storeError === null,
      migrations: f.storeError === null && f.migrationsBehind === 0,
      deliveryThread: f.deliveryThreadAlive,
      overdueSeconds: overdue === null ? null : overdue / 1000,
    },
  };
}
