/**
 * Support for end-to-end tests: the real `opendip` command in child processes, signed requests built
 * by the independent participant signer, and large batches that cost little to build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { packageRoot } from '../../src/catalogue/load.js';
import type { StandardResponse } from '../../src/domain/responses.js';
import type { DemoMarketFile, DemoParticipant } from '../../src/demo/market.js';
import { participantSignature } from '../helpers/signer.js';

export const ROOT = packageRoot();
export const BIN = join(ROOT, 'bin', 'opendip.js');

const children = new Set<ChildProcess>();
// A failed assertion must not leave a server holding a port or a data directory.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
// An interrupted run (Ctrl-C, or the runner cancelling the file) still goes through the exit handlers above.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `opendip-e2e-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** The parent's environment without OPENDIP_* settings, so a developer's shell cannot change the outcome. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENDIP_')) env[k] = v;
  return { ...env, ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliRun extends Exit {
  stdout: string;
  stderr: string;
}

function track(child: ChildProcess): { exited: Promise<Exit>; out: () => string; err: () => string } {
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { exited, out: () => out, err: () => err };
}

/** Bounds how long a broken command can hang a run; an expired command shows up as killed by a signal. */
const HANG_GUARD_MS = 120_000;

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to the command's standard input. */
  input?: string;
}

/** Runs a command line to completion; argv[0] is the program, as a shell would run it. */
export async function runCommand(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const [program, ...args] = argv;
  const child = spawn(program!, args, {
    cwd: options.cwd ?? tmpdir(),
    env: cleanEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: HANG_GUARD_MS,
    killSignal: 'SIGKILL',
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  const t = track(child);
  const exit = await t.exited;
  return { ...exit, stdout: t.out(), stderr: t.err() };
}

/** The command ended by itself with a non-zero exit code (not killed, not a success). */
export const failed = (r: Exit): boolean => r.signal === null && r.code !== null && r.code > 0;

/** `node bin/opendip.js <args>` to completion. */
export const runCli = (args: string[], options: RunOptions = {}): Promise<CliRun> =>
  runCommand([process.execPath, BIN, ...args], options);

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** API base including the version, from the banner's API line; '' for a worker, which serves no HTTP. */
  baseUrl: string;
  banner: string;
  /** When the process was spawned, and when its banner was complete (epoch ms): how long a start took. */
  spawnedAt: number;
  readyAt: number;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (or the given signal) and wait for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts `opendip serve <args>` and resolves once its banner is out; rejects with its stderr if it exits first. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: tmpdir(),
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t = track(child);
  const banner = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner from opendip serve:\n${t.err()}${t.out()}`));
    }, HANG_GUARD_MS);
    const check = (): void => {
      const text = t.out();
      // A worker serves no HTTP: its banner has a Worker line and no API line.
      const role = /^OpenDIP .* role (\w+)\n/m.exec(text)?.[1];
      if (!role || !(role === 'worker' ? /^Worker\s.*\n/m : /^API\s+\S+\n/m).test(text)) return;
      // With the demo market on, the banner ends with the send command; wait until that line is complete.
      const demo = /^Demo\s/m.test(text);
      if (demo && !/ send --participants .*\n/.test(text)) return;
      child.stdout?.off('data', check);
      clearTimeout(guard);
      resolve(text.slice(text.indexOf('OpenDIP ')));
    };
    child.stdout?.on('data', check);
    void t.exited.then((e) => {
      clearTimeout(guard);
      reject(new Error(`opendip serve exited (${e.code ?? e.signal}) before its banner:\n${t.err()}${t.out()}`));
    });
  });
  const readyAt = Date.now();
  const api = /^API\s+(\S+)\/dip-channel\/\{IF-xxx\}$/m.exec(banner);
  if (!api && !/ role worker\n/.test(banner)) throw new Error(`no API line in the banner:\n${banner}`);
  return {
    child,
    pid: child.pid!,
    baseUrl: api?.[1] ?? '',
    banner,
    spawnedAt,
    readyAt,
    exited: t.exited,
    stdout: t.out,
    stderr: t.err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return t.exited;
    },
  };
}

export const readMarket = (dataDir: string): DemoMarketFile =>
  JSON.parse(readFileSync(join(dataDir, 'demo', 'participants.json'), 'utf8')) as DemoMarketFile;

export type Message = { payload: Record<string, unknown> };

const s1Of = (m: Message): Record<string, unknown> => (m.payload.CommonBlock as { S1: Record<string, unknown> }).S1;
export const surOf = (m: Message): string => s1Of(m).senderUniqueReference as string;

/**
 * `count` copies of the templates, each with its own SUR. Building sample messages costs milliseconds
 * each; copying them lets a test send megabytes without spending its time on generation.
 */
export function freshCopies(templates: Message[], count: number): Message[] {
  const run = randomBytes(6).toString('hex');
  return Array.from({ length: count }, (_, i) => {
    const copy = structuredClone(templates[i % templates.length]!);
    const sur = surOf(copy);
    s1Of(copy).senderUniqueReference = `${sur.slice(0, sur.lastIndexOf('-') + 1)}${run}x${i.toString(16)}`;
    return copy;
  });
}

export interface SignedPoster {
  post(channel: string, body: string): Promise<{ status: number; json: StandardResponse; text: string }>;
  /** Any signed call under the API base (`path` starts with '/'; a GET signs an empty body). */
  call(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** A demo participant making signed calls over plain HTTP, as a participant's own client would. */
export function demoPoster(baseUrl: string, participant: DemoParticipant): SignedPoster {
  const keyPem = readFileSync(participant.privateKeyPath, 'utf8');
  const certPem = readFileSync(participant.certificatePath, 'utf8');
  const agent = new Agent({ bodyTimeout: 0, headersTimeout: 0 });
  const call: SignedPoster['call'] = async (method, path, body = '') => {
    const url = `${baseUrl}${path}`;
    const headers = {
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      'x-api-key': participant.apiKey,
      ...participantSignature({ method, url, body, keyPem, certPem }),
    };
    const res = await request(url, { method, headers, body: method === 'POST' ? body : undefined, dispatcher: agent });
    return { status: res.statusCode, text: await res.body.text() };
  };
  return {
    async post(channel, body) {
      const { status, text } = await call('POST', `/dip-channel/${channel}`, body);
      return { status, text, json: JSON.parse(text) as StandardResponse };
    },
    call,
    close: () => agent.close(),
  };
}
