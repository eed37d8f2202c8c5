/**
 * The failures the sink has been told to show (`SinkBehaviour`), and the counts that say when they apply:
 * how many calls a configured failure has left, and how many items arrived since the behaviour was set.
 */
import type { ItemFacts } from './facts.js';
import type { SinkBehaviour } from './types.js';

export interface Controls {
  set(b: SinkBehaviour): void;
  /** The behaviour in force now. */
  current(): SinkBehaviour;
  /** The configured failure when it still applies; each call it answers uses up one of its `times`. */
  takeFailure(): NonNullable<SinkBehaviour['failWith']> | null;
  /**
   * The reject rule as it stands for one call: told every item of the call in order (each counts towards
   * `every`), it says whether to reject the item, with which code and why.
   */
  rejecter(): (f: ItemFacts) => { code: string; help: string } | null;
}

export function createControls(initial: SinkBehaviour): Controls {
  let behaviour: SinkBehaviour = {};
  let failLeft = 0;
  let seenSinceBehaviour = 0;
  const set = (b: SinkBehaviour): void => {
    behaviour = { ...b };
    failLeft = b.failWith ? (b.failWith.times ?? Number.POSITIVE_INFINITY) : 0;
    seenSinceBehaviour = 0;
  };
  set(initial);
  return {
    set,
    current: () => behaviour,
    takeFailure() {
      if (!(behaviour.failWith && failLeft > 0)) return null;
      failLeft--;
      return behaviour.failWith;
    },
    rejecter() {
      const rule = behaviour.reject;
      const match = rule?.match ? new RegExp(rule.match.source, rule.match.flags.replace(/[gy]/g, '')) : null;
      const why = match ? `matches ${match}` : rule?.every ? `every ${rule.every}th item` : 'every item';
      return (f) => {
        seenSinceBehaviour++;
        if (!rule) return null;
        const hit = match
          ? match.test(f.sur ?? '') || match.test(f.transactionID ?? '')
          : rule.every
            ? seenSinceBehaviour % rule.every === 0
            : true;
        return hit ? { code: rule.code, help: `rejected by this sink's test rule (${why})` } : null;
      };
    },
  };
}
