/** Runs `opendip serve` as a child process for benchmarks, so client and server do not share a thread. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/catalogue/load.js';
import type { DemoMarketFile } from '../../src/demo/market.js';

export interface ServerProcess {
  child: ChildProcess;
  /** The API base URL; '' for a worker process, which serves no HTTP. */
  baseUrl: string;
  market: DemoMarketFile;
  /** Peak resident set size of the server so far, in MiB (Linux VmHWM). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/** `nodeArgs` go to node itself, e.g. ['--cpu-prof'] to profile the server; `logFile` keeps its log lines. */
export async function startServer(
  dataDir: string,
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
  logFile?: string,
): Promise<ServerProcess> {
  const bin = join(packageRoot(), 'bin', 'opendip.js');
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, 'serve', '--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      // The banner is written at once, when the process is ready: its first line names the role.
      const banner = /OpenDIP .* role (\w+)\n(?:API\s+(\S+)\/dip-channel)?/.exec(out);
      if (!banner || (banner[1] !== 'worker' && !banner[2])) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining the server's log lines without holding them
      if (logFile) child.stdout!.pipe(createWriteStream(logFile));
      resolve(banner[2] ?? '');
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  const market = JSON.parse(readFileSync(join(dataDir, 'demo', 'participants.json'), 'utf8')) as DemoMarketFile;
  return {
    child,
    baseUrl,
    market,
    peakRssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
