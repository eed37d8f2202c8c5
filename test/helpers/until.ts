/**
 * Waiting for something a test cannot be told about directly (a delivery recorded, a process gone): poll
 * until it holds, and fail naming it if the deadline passes. The deadline only bounds a broken run, so it is
 * generous: on a loaded machine, with other test files running beside this one, work takes longer.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()} (${timeoutMs} ms)`);
    await sleep(pollMs);
  }
}
