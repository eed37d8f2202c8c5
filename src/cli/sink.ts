/**
 * `opendip sink`: a participant's webhook receiver, for trying a DIP out and for testing how it copes with failures.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type ReceivedCall, type SinkBehaviour, type SinkOptions } from '../sink/types.js';

export interface SinkFlags {
  port?: string;
  host?: string;
  out?: string;
  trustedCa?: string;
  verify?: boolean;
  lean?: boolean;
  maxSkew?: string;
  failStatus?: string;
  failTimes?: string;
  retryAfter?: string;
  delayMs?: string;
  reject?: string;
  rejectEvery?: string;
  rejectMatch?: string;
  hangUp?: boolean;
  decodeReports?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

function integer(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

/** The options `opendip sink` starts its sink with; throws on a contradictory or malformed command line. */
export function sinkOptionsFromFlags(
  f: SinkFlags,
  readText: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): SinkOptions {
  const behaviour: SinkBehaviour = {};
  if (f.failStatus !== undefined) {
    const times = f.failTimes === undefined ? undefined : integer('--fail-times', f.failTimes, 1);
    const retryAfterSeconds = f.retryAfter === undefined ? undefined : integer('--retry-after', f.retryAfter, 0);
    behaviour.failWith = {
      status: integer('--fail-status', f.failStatus, 100, 599),
      ...(times ? { times } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  } else if (f.failTimes !== undefined || f.retryAfter !== undefined) {
    throw new Error('--fail-times and --retry-after need --fail-status');
  }
  if (f.delayMs !== undefined) behaviour.delayMs = integer('--delay-ms', f.delayMs, 0);
  if (f.reject !== undefined) {
    // Business codes (REG1020, SP001...) are as legitimate an answer as the RCP range.
    if (!/^[A-Z]{2,4}\d{3,4}$/.test(f.reject) || f.reject === 'RCP0000')
      throw new Error(`--reject needs a rejection code such as RCP1001, not '${f.reject}'`);
    if (f.rejectEvery !== undefined && f.rejectMatch !== undefined)
      throw new Error('use --reject-every or --reject-match, not both');
    let match: RegExp | undefined;
    try {
      match = f.rejectMatch === undefined ? undefined : new RegExp(f.rejectMatch);
    } catch (e) {
      throw new Error(`--reject-match: ${(e as Error).message}`);
    }
    behaviour.reject = {
      code: f.reject,
      ...(match ? { match } : {}),
      ...(f.rejectEvery !== undefined ? { every: integer('--reject-every', f.rejectEvery, 1) } : {}),
    };
  } else if (f.rejectEvery !== undefined || f.rejectMatch !== undefined) {
    throw new Error('--reject-every and --reject-match need --reject <code>');
  }
  if (f.hangUp) behaviour.hangUp = true;
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (f.tlsClientCa !== undefined && f.tlsCert === undefined)
    throw new Error('--tls-client-ca needs --tls-cert and --tls-key');
  return {
    host: f.host ?? '127.0.0.1',
    port: f.port === undefined ? 0 : integer('--port', f.port, 0, 65535),
    verifySignature: f.verify !== false,
    keep: false,
    ...(f.lean ? { lean: true } : {}),
    behaviour,
    ...(f.out !== undefined ? { out: f.out } : {}),
    ...(f.trustedCa !== undefined ? { trustedCa: [readText(f.trustedCa)] } : {}),
    ...(f.maxSkew !== undefined ? { maxSkewSeconds: integer('--max-skew', f.maxSkew, 0) } : {}),
    ...(f.tlsCert !== undefined && f.tlsKey !== undefined
      ? {
          tls: {
            cert: readText(f.tlsCert),
            key: readText(f.tlsKey),
            ...(f.tlsClientCa !== undefined ? { ca: readText(f.tlsClientCa), requestCert: true } : {}),
          },
        }
      : {}),
  };
}

/** One log line per call: when, answer, channel, items, path, and why when refused. */
export function formatCall(c: ReceivedCall): string {
  const what = c.kind === 'status' ? 'status' : (c.channel ?? '-');
  const items = `${c.itemCount} ${c.kind === 'status' ? 'status item' : 'message'}(s)${c.rejected > 0 && c.problem === null ? `, ${c.rejected} rejected` : ''}`;
  return [
    new Date(c.at).toISOString(),
    c.status === 0 ? 'hung-up' : String(c.status),
    what,
    items,
    c.path,
    c.problem ?? '',
  ]
    .join('  ')
    .trimEnd();
}

/** The report reader of the published catalogue, loaded only when asked for. */
async function decodingReports() {
  const [{ loadCatalogue }, { createSchemaRegistry }, { reportReader }] = await Promise.all([
    import('../catalogue/load.js'),
    import('../validation/schemas.js'),
    import('../validation/reports.js'),
  ]);
  const catalogue = loadCatalogue();
  return reportReader(catalogue, createSchemaRegistry(catalogue));
}

export function registerSink(program: Command): void {
  program
    .command('sink')
    .description(
      "run a participant's webhook receiver: verifies the DIP's signature headers, answers 201/207 per message with RCP codes, logs one line per call, and can be told to fail",
    )
    .option('--port <port>', 'port to listen on (default: any free port; the URL is printed)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option(
      '--out <file>',
      'append every accepted item as a JSON line {receivedAt, path, kind, mpo, transactionID, item}',
    )
    .option(
      '--trusted-ca <file>',
      "CA bundle (PEM) the DIP's signing certificate must chain to (default: the chain is not checked)",
    )
    .option('--no-verify', 'accept calls without checking the X-DIP-* signature headers')
    .option('--lean', 'acknowledge without parsing the messages (for load tests; ignored with --out)')
    .option(
      '--max-skew <seconds>',
      'refuse signatures dated further than this from the local clock (default: not checked)',
    )
    .option('--fail-status <status>', 'answer every call with this HTTP status instead (e.g. 401, 413, 429, 503)')
    .option('--fail-times <n>', 'with --fail-status: only the next n calls, then answer normally')
    .option('--retry-after <seconds>', 'with --fail-status: send a Retry-After header')
    .option('--delay-ms <ms>', 'wait this long before answering each call (to provoke DIP timeouts)')
    .option(
      '--reject <code>',
      'reject messages with this code (e.g. RCP1001): all of them, or those chosen below; 207, or 400 when none is accepted',
    )
    .option('--reject-every <n>', 'with --reject: only every n-th message')
    .option('--reject-match <regex>', 'with --reject: only messages whose SUR or transaction id matches')
    .option('--hang-up', 'read each call, then drop the connection without answering')
    .option(
      '--decode-reports',
      "decode each ECS report's compressedReport (gzip or zlib, base64) and validate it against its REP-xxx-CustomBlock schema: a bad one is answered RCP1001; with --out, the decoded report is written beside its item",
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'the private key (PEM) of --tls-cert')
    .option(
      '--tls-client-ca <file>',
      'with TLS: require a client certificate issued by these CAs (PEM); others are answered 403',
    )
    .action(async (flags: SinkFlags) => {
      let options: SinkOptions;
      try {
        options = sinkOptionsFromFlags(flags);
      } catch (e) {
        program.error(`opendip sink: ${(e as Error).message}`);
      }
      // Loaded here: the receiver's server and validators are this command's alone, not every `opendip` start's.
      const { startSink } = await import('../sink/sink.js');
      const reports = flags.decodeReports ? await decodingReports() : undefined;
      const sink = await startSink({
        ...options,
        ...(reports ? { reports } : {}),
        onCall: (c) => process.stdout.write(`${formatCall(c)}\n`),
      });
      const checks =
        options.verifySignature === false
          ? 'signatures not checked'
          : flags.trustedCa
            ? `signatures checked against ${flags.trustedCa}`
            : 'signatures checked (certificate chain not checked)';
      process.stdout.write(
        `opendip sink listening on ${sink.url} (any path); ${checks}${options.out ? `; accepted items appended to ${options.out}` : ''}\n`,
      );
      const stop = (): void => {
        void sink.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
