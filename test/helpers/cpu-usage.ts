/**
 * Loaded into every test file's process by test/run.ts (NODE_OPTIONS --import): when the file's process
 * ends, writes the CPU it used, with its children's (the `opendip` processes it started and waited for),
 * to OPENDIP_TEST_CPU_DIR, so the runner can say which files cost the machine most. Wall time alone
 * misleads on a shared machine: a file that waits costs nothing, one that computes slows its neighbours.
 *
 * The processes a test file starts inherit NODE_OPTIONS but not OPENDIP_* (test/e2e/support.ts cleanEnv),
 * so only the test file itself reports.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.OPENDIP_TEST_CPU_DIR;
const file = process.argv[1];

/** Seconds of CPU: this process's own, and its reaped children's (Linux /proc; elsewhere its own only). */
function cpuSeconds(): { self: number; children: number } {
  try {
    // Fields after the parenthesised command name: state is field 3; utime..cstime are fields 14..17.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (n: number): number => Number(fields[n - 3]) / 100;
    return { self: ticks(14) + ticks(15), children: ticks(16) + ticks(17) };
  } catch {
    const { user, system } = process.cpuUsage();
    return { self: (user + system) / 1e6, children: 0 };
  }
}

if (dir && file?.endsWith('.test.js')) {
  process.on('exit', () => {
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ file, ...cpuSeconds() }));
  });
}
