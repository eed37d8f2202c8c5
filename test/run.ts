/**
 * Runs the test files in parallel processes and fails a run that executed no test.
 *
 *   node dist/test/run.js [--unit] [--concurrency N] [--name PATTERN] [path ...]
 *
 * The files are the *.test.ts of the source tree, run from their build in dist/: a test file deleted or
 * renamed since an earlier build must not keep running from a stale dist/. Paths narrow the run
 * to files under them (test/... or dist/test/..., .ts or .js). --unit is the quick loop: the in-process
 * tests, no PostgreSQL and no child processes. At the end, the slowest files and how long each took.
 *
 * Files start slowest first, by how long each took last time (dist/test/durations.json; a file not timed
 * yet counts as slow): the long ones then run beside each other and the quick ones fill the gaps at the end,
 * instead of one long file starting last and running alone.
 *
 * Each file's CPU (its process and the processes it started) is printed beside its wall time, and the whole
 * run's at the end: on a machine shared with other runs, CPU is the figure that says what a file costs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = join(ROOT, 'test');

/**
 * Three processes on a two-core machine: most test files wait on sockets, timers or PostgreSQL as much as
 * they compute, so one more process than cores keeps both busy; more only makes each file slower.
 */
const DEFAULT_CONCURRENCY = 3;

/** In-process and quick: what `npm run test:unit` runs. */
const UNIT = ['test/unit/', 'test/catalogue/', 'test/http/', 'test/storage/sqlite.test.ts'];
/** In-process but long: seconds of generated hostile input, which the whole run throws. */
const NOT_UNIT = ['test/http/fuzz.test.ts'];

const SLOWEST_SHOWN = 10;
const TIMINGS = join(ROOT, 'dist', 'test', 'durations.json');

function readTimings(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function usage(problem: string): never {
  process.stderr.write(
    `${problem}\nusage: node dist/test/run.js [--unit] [--concurrency N] [--name PATTERN] [path ...]\n`,
  );
  process.exit(2);
}

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testSources(path);
    return e.name.endsWith('.test.ts') ? [relative(ROOT, path).split(sep).join('/')] : [];
  });
}

/** test/x/y.test.ts, dist/test/x/y.test.js or a folder of either, as the source path (prefix) it names. */
const asSource = (arg: string): string =>
  relative(ROOT, join(process.cwd(), arg))
    .split(sep)
    .join('/')
    .replace(/^dist\//, '')
    .replace(/\.js$/, '.ts');

let unit = false;
let concurrency = DEFAULT_CONCURRENCY;
const names: string[] = [];
const only: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--unit') unit = true;
  else if (a === '--concurrency') {
    concurrency = Number(args[++i]);
    if (!Number.isInteger(concurrency) || concurrency < 1) usage('--concurrency takes a whole number of processes');
  } else if (a === '--name') {
    const pattern = args[++i];
    if (!pattern) usage('--name takes a pattern');
    names.push(pattern);
  } else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else only.push(asSource(a));
}

const within = (file: string, prefixes: string[]): boolean =>
  prefixes.some((p) => file === p || file.startsWith(p.endsWith('/') ? p : `${p}/`));
const selected = testSources(SOURCES)
  .filter((f) => !unit || (within(f, UNIT) && !within(f, NOT_UNIT)))
  .filter((f) => only.length === 0 || within(f, only))
  .sort();
if (selected.length === 0) usage(`no test file matches ${only.join(' ') || 'the selection'}`);
const timings = readTimings();
const expected = (f: string): number => timings[f] ?? Infinity;
const files = [...selected]
  .sort((a, b) => expected(b) - expected(a) || a.localeCompare(b))
  .map((f) => join(ROOT, 'dist', f.replace(/\.ts$/, '.js')));
const unbuilt = files.filter((f) => !existsSync(f));
if (unbuilt.length > 0) usage(`not built (run npm run build): ${unbuilt.map((f) => relative(ROOT, f)).join(', ')}`);

/** Source path (test/...) → seconds of CPU its process and its children used, from the reports in `dir`. */
function readCpu(dir: string): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { file: string; self: number; children: number };
    cpu.set(sourceOf(r.file), (cpu.get(sourceOf(r.file)) ?? 0) + r.self + r.children);
  }
  rmSync(dir, { recursive: true, force: true });
  return cpu;
}

/** CPU seconds of this runner and every process it started and reaped (Linux /proc; elsewhere its own). */
function runCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14 to 17, counted from the pid, in clock ticks of 1/100 s.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) / 100;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
}

let executed = 0;
let failed = false;
/** Source path (test/...) → milliseconds. */
const durations = new Map<string, number>();
const sourceOf = (built: string): string =>
  relative(join(ROOT, 'dist'), built).split(sep).join('/').replace(/\.js$/, '.ts');
const started = Date.now();
// Every test file's process reports its CPU there when it ends (test/helpers/cpu-usage.ts).
const cpuDir = mkdtempSync(join(tmpdir(), 'opendip-test-cpu-'));
process.env.OPENDIP_TEST_CPU_DIR = cpuDir;
const cpuHook = pathToFileURL(join(ROOT, 'dist', 'test', 'helpers', 'cpu-usage.js')).href;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${cpuHook}`.trim();
const stream = run({ files, concurrency, ...(names.length > 0 ? { testNamePatterns: names } : {}) });
stream.on('test:fail', (data) => {
  if (!data.todo) failed = true;
  if (data.name !== data.file && data.details.type !== 'suite') executed++;
});
stream.on('test:pass', (data) => {
  if (data.name !== data.file && data.details.type !== 'suite' && !data.skip && !data.todo) executed++;
});
stream.on('test:complete', (data) => {
  // The runner reports each file as a test of its own, named by its path.
  if (data.nesting === 0 && data.name === data.file && data.file)
    durations.set(sourceOf(data.file), Math.round(data.details.duration_ms));
});
const report = stream.compose(new spec());
report.pipe(process.stdout, { end: false });
// After the reporter's own summary, the last thing it writes.
report.once('end', () => {
  writeFileSync(TIMINGS, `${JSON.stringify({ ...timings, ...Object.fromEntries(durations) }, null, 1)}\n`);
  const cpu = readCpu(cpuDir);
  const slowest = [...durations].sort((a, b) => b[1] - a[1]).slice(0, SLOWEST_SHOWN);
  const cpuOf = (file: string): string => (cpu.has(file) ? `${cpu.get(file)!.toFixed(1).padStart(6)} s CPU` : '');
  const lines = slowest.map(([file, ms]) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${cpuOf(file)}  ${file}`);
  const costliest = [...cpu].sort((a, b) => b[1] - a[1]).slice(0, SLOWEST_SHOWN);
  const cpuLines = costliest.map(([file, s]) => `  ${s.toFixed(1).padStart(6)} s CPU  ${file}`);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\n${files.length} file(s), ${concurrency} at a time, in ${took} s, ${runCpuSeconds().toFixed(1)} s CPU; ` +
      `slowest:\n${lines.join('\n')}\nmost CPU:\n${cpuLines.join('\n')}\n`,
  );
  if (executed === 0) {
    process.stdout.write('\nno test was executed: a run that checks nothing does not pass\n');
    process.exitCode = 1;
  } else if (failed) process.exitCode = 1;
});
