/**
 * `opendip replay` and `opendip requeue`: a participant's own recovery, against this DIP or any other.
 * replay follows 206 pages with X-Continuation-Token and writes what comes back as JSON lines; requeue
 * starts a requeue and follows requeueStatus with a progress bar until it ends.
 */
import { createWriteStream } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parseDateTime } from '../domain/time.js';
import {
  createDipClient,
  identityFrom,
  identityOptions,
  type DipResponse,
  type IdentityOptions,
} from './dip-client.js';

export interface FilterOptions extends IdentityOptions {
  channel?: string;
  recipient?: string;
  /** `opendip admin replay|requeue`: the participant the operator acts for, and optionally one of its roles. */
  for?: string;
  role?: string;
  from?: string;
  to?: string;
  eventCode?: string;
  mpan?: string;
  schemaVersion?: string;
  transaction?: string[];
  sur?: string;
  correlation?: string;
}

const date = (v: string | undefined, name: string): string | null => {
  if (v === undefined) return null;
  if (parseDateTime(v) === null)
    throw new Error(`--${name} must be a date-time like 2026-11-28T00:00:00+00:00, not '${v}'`);
  return v;
};

/**
 * Who a command acts for: a participant for itself (or a DCP for one it serves) on the DIP's own paths, or an
 * operator for a participant on the same paths under /admin (docs/decisions.md#on-a-participants-behalf).
 */
export interface Acting {
  /** Adds the option naming whose messages. */
  option(cmd: Command): Command;
  /** The recipient, the prefix of its paths and the query every call carries ('' or `?role=…`). */
  target(o: FilterOptions): { recipient: string; prefix: string; query: string };
}

const AS_PARTICIPANT: Acting = {
  option: (cmd) =>
    cmd.option('--recipient <dipId>', 'whose messages (default: --as); a DCP names a participant it acts for'),
  target(o) {
    const recipient = o.recipient ?? o.as;
    if (!recipient) throw new Error('give --recipient <dipId> (or --as, to act for yourself)');
    return { recipient, prefix: '', query: '' };
  },
};

/** The path below the API base for a call on a channel (or on status messages), and the request body. */
function requestOf(
  kind: 'replay' | 'requeue',
  o: FilterOptions,
  acting: Acting,
): { path: string; body: Record<string, unknown>; recipient: string; statusPath: string; query: string } {
  const { recipient, prefix, query } = acting.target(o);
  const base = `${prefix}${o.channel === undefined ? '/statusmessage' : `/dip-channel/${o.channel.toUpperCase()}`}`;
  const where = {
    recipient,
    query,
    path: `${base}/${kind}/${recipient}${query}`,
    statusPath: `${base}/requeueStatus/${recipient}`,
  };
  if (o.channel === undefined) {
    const from = date(o.from, 'from');
    const to = date(o.to, 'to');
    if (from === null || to === null) throw new Error('status messages need --from and --to');
    return {
      ...where,
      body: {
        datetimeFrom: from,
        datetimeTo: to,
        transactionID: o.transaction?.[0] ?? null,
        senderUniqueReference: o.sur ?? null,
        correlationID: o.correlation ?? null,
      },
    };
  }
  return {
    ...where,
    body: {
      datetimeFrom: date(o.from, 'from'),
      datetimeTo: date(o.to, 'to'),
      eventCode: o.eventCode ?? null,
      MPAN: o.mpan ?? null,
      version: o.schemaVersion ?? null,
      ...(o.transaction && o.transaction.length > 0 ? { transactionIDs: o.transaction } : {}),
    },
  };
}

const failure = (res: DipResponse): Error => {
  let detail = res.text;
  try {
    const item = (JSON.parse(res.text) as { messageArray?: { message?: string; help?: string }[] }).messageArray?.[0];
    if (item) detail = `${item.message ?? ''}${item.help ? `: ${item.help}` : ''}`;
  } catch {
    // not JSON: shown as it came
  }
  return new Error(`HTTP ${res.status}${detail ? ` ${detail}` : ''}`);
};

function filterOptions(cmd: Command, acting: Acting): Command {
  return acting
    .option(identityOptions(cmd).option('--channel <id>', 'the channel, e.g. IF-021; without it, status messages'))
    .option('--from <datetime>', 'transaction time from, e.g. 2026-11-01T00:00:00+00:00')
    .option('--to <datetime>', 'transaction time to')
    .option('--event-code <code>', 'e.g. [ActivePower]')
    .option('--mpan <mpan>', '13-digit MPAN core')
    .option('--schema-version <v>', 'e.g. 011')
    .option('--transaction <id...>', 'transaction ids (up to 100; status messages: one)')
    .option('--sur <sur>', 'status messages: about this senderUniqueReference')
    .option('--correlation <id>', 'status messages: with this correlation id');
}

export function registerReplay(program: Command): void {
  registerReplayCommands(program, AS_PARTICIPANT, '');
}

/** `replay` and `requeue` under `parent`, acting as `acting` says; `whose` begins each description. */
export function registerReplayCommands(parent: Command, acting: Acting, whose: string): void {
  filterOptions(
    parent
      .command('replay')
      .description(
        `${whose}replay what the DIP sent a recipient; writes each message (or status message) as a JSON line`,
      ),
    acting,
  )
    .option('--out <file>', 'write the JSON lines here (default: standard output)')
    .action(async (o: FilterOptions & { out?: string }) => {
      const { path, body } = requestOf('replay', o, acting);
      const client = createDipClient(identityFrom(o));
      const out = o.out ? createWriteStream(o.out) : process.stdout;
      let count = 0;
      let pages = 0;
      try {
        let token: string | undefined;
        for (;;) {
          const res = await client.send(
            'POST',
            path,
            JSON.stringify(body),
            token ? { 'x-continuation-token': token } : {},
          );
          if (res.status !== 200 && res.status !== 206) throw failure(res);
          pages++;
          for (const item of JSON.parse(res.text) as unknown[]) {
            out.write(`${JSON.stringify(item)}\n`);
            count++;
          }
          if (res.status === 200) break;
          token = res.headers['x-continuation-token'] as string;
        }
      } finally {
        await client.close();
        if (o.out) await new Promise((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
      }
      process.stderr.write(`replayed ${count} item(s) in ${pages} page(s)\n`);
    });

  filterOptions(
    parent
      .command('requeue')
      .description(
        `${whose}have the DIP send a recipient its messages (or status messages) again, to its webhook; follows progress to the end`,
      ),
    acting,
  )
    .option('--no-wait', 'print the requeue id and return at once')
    .action(async (o: FilterOptions & { wait: boolean }) => {
      const { path, body, statusPath, query } = requestOf('requeue', o, acting);
      const client = createDipClient(identityFrom(o));
      try {
        const res = await client.send('POST', path, JSON.stringify(body));
        if (res.status !== 202) throw failure(res);
        const id = JSON.parse(res.text) as string;
        process.stdout.write(`requeue ${id}\n`);
        if (!o.wait) return;
        const bar = new SingleBar(
          { format: 'requeue [{bar}] {percentage}% | {value}/{total} | {status}', hideCursor: true },
          Presets.shades_classic,
        );
        let started = false;
        for (;;) {
          const s = await client.send(
            'GET',
            `${statusPath}${query ? `${query}&` : '?'}requeue-id=${encodeURIComponent(id)}`,
          );
          if (s.status !== 200) throw failure(s);
          const [st] = JSON.parse(s.text) as {
            totalTransactions: number;
            processedTransactions: number;
            status: string;
          }[];
          if (!st) throw new Error(`requeue ${id} is not known to the DIP`);
          if (!started) bar.start(st.totalTransactions, 0, { status: st.status });
          started = true;
          bar.update(st.processedTransactions, { status: st.status });
          if (st.status !== 'Processing') {
            bar.stop();
            process.stdout.write(`${st.status}: ${st.processedTransactions} of ${st.totalTransactions}\n`);
            process.exitCode = st.status === 'Completed' ? 0 : 1;
            return;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        await client.close();
      }
    });
}
