/**
 * `opendip audit`: find messages and calls in the audit trail (seed §7). An operator runs it beside the
 * store (--data-dir / --database) and sees all traffic; a participant gives its identity (--participants
 * and --as, or --url, --key and --cert) and asks the DIP's audit API, which shows only its own traffic.
 */
import type { Command } from 'commander';
import { createAudit, criteriaFrom } from '../audit/audit.js';
import { parseDateTime } from '../domain/time.js';
import type { Store } from '../storage/ports.js';
import { createDipClient, identityFrom, identityOptions, type IdentityOptions } from './dip-client.js';

export interface AuditCliDeps {
  /** Opens the store named by --data-dir/--database (or the environment). */
  open(flags: { dataDir?: string; database?: string }): Promise<{ store: Store; close(): Promise<void> }>;
}

interface Options extends IdentityOptions {
  dataDir?: string;
  database?: string;
  channel?: string;
  transaction?: string;
  sur?: string;
  correlation?: string;
  from?: string;
  to?: string;
  mpan?: string;
  sender?: string;
  receiver?: string;
  caller?: string;
  limit?: string;
  journal?: boolean;
  json?: boolean;
}

type Summary = {
  transactionID: string;
  transactionTimestamp: string;
  channel: string;
  eventCode: string;
  senderID: string;
  recipients: { dipId: string; role: string }[];
  senderUniqueReference: string;
  MPAN: string | null;
};

const asParticipant = (o: Options): boolean => o.participants !== undefined || o.url !== undefined;

/** The search as query parameters of the audit API (and of criteriaFrom). */
function query(o: Options): Record<string, string> {
  const q: Record<string, string | undefined> = {
    channel: o.channel,
    transactionID: o.transaction,
    senderUniqueReference: o.sur,
    correlationID: o.correlation,
    datetimeFrom: o.from,
    datetimeTo: o.to,
    MPAN: o.mpan,
    senderID: o.sender,
    recipientID: o.receiver,
    limit: o.limit,
    journal: o.journal ? 'true' : undefined,
  };
  return Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
}

const line = (m: Summary): string =>
  `${m.transactionID}  ${m.transactionTimestamp}  ${m.channel} ${m.eventCode}  ${m.senderID} -> ${[...new Set(m.recipients.map((r) => `${r.dipId}/${r.role}`))].join(',') || '-'}  ${m.MPAN ?? '-'}  ${m.senderUniqueReference}`;

/** Whether a call kept evidence of what was signed, and whether it still verifies (--json shows it all). */
const evidenceNote = (e: { verifies: boolean } | null): string =>
  e === null ? '' : e.verifies ? '  signed, verifies' : '  signed, DOES NOT VERIFY';

/** `?a=b&…`, or nothing: an empty query is not sent, so it must not be signed either. */
const queryString = (q: Record<string, string>): string => {
  const s = new URLSearchParams(q).toString();
  return s ? `?${s}` : '';
};

async function viaApi(o: Options, path: string): Promise<unknown> {
  const client = createDipClient(identityFrom(o));
  try {
    const res = await client.send('GET', path);
    if (res.status === 204) return null;
    if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.text}`);
    return JSON.parse(res.text) as unknown;
  } finally {
    await client.close();
  }
}

export function registerAudit(program: Command, deps: AuditCliDeps): void {
  const audit = program
    .command('audit')
    .description('search the audit trail: messages with their journal, and API calls');
  const common = (cmd: Command) =>
    identityOptions(cmd)
      .option('--data-dir <dir>', 'as an operator: data directory of an embedded store [OPENDIP_DATA_DIR]')
      .option('--database <url>', 'as an operator: database URL [OPENDIP_DATABASE_URL]')
      .option('--json', 'print JSON');
  /** Runs `action` on the local store (operator), closing it after. */
  const local = async <T>(o: Options, action: (a: ReturnType<typeof createAudit>) => Promise<T>): Promise<T> => {
    const { store, close } = await deps.open({ dataDir: o.dataDir, database: o.database });
    try {
      return await action(createAudit({ store, ticketUrl: () => null }));
    } finally {
      await close();
    }
  };

  common(audit.command('messages').description('messages matching every criterion given, oldest first'))
    .option('--channel <id>', 'e.g. IF-021')
    .option('--transaction <id>', 'DIP transaction id')
    .option('--sur <sur>', 'sender unique reference')
    .option('--correlation <id>', 'correlation id (a whole workflow)')
    .option('--from <datetime>', 'transaction time from')
    .option('--to <datetime>', 'transaction time to')
    .option('--mpan <mpan>', 'MPAN core')
    .option('--sender <dipId>', 'sender')
    .option('--receiver <dipId>', 'a recipient')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--journal', 'with each message, its journal (DIPJournalRecord) and evidence; implies --json')
    .action(async (o: Options) => {
      const q = query(o);
      if (o.journal) o.json = true;
      let page: { messages: Summary[]; next: string | null };
      if (asParticipant(o)) page = (await viaApi(o, `/audit/messages${queryString(q)}`)) as typeof page;
      else {
        const parsed = criteriaFrom(q);
        if (!parsed.ok) throw new Error(parsed.help);
        page = (await local(o, (a) =>
          a.search(parsed.value.criteria, null, parsed.value.after, parsed.value.limit, parsed.value.journal),
        )) as typeof page;
      }
      process.stdout.write(
        o.json
          ? `${JSON.stringify(page, null, 2)}\n`
          : `${page.messages.map(line).join('\n') || '(none)'}\n${page.next ? `(more: --limit, or search after ${page.next})\n` : ''}`,
      );
    });

  common(
    audit
      .command('message')
      .description('one message, its journal (DIPJournalRecord) and the evidence of what its sender signed')
      .argument('<transactionID>', 'DIP transaction id'),
  ).action(async (transactionId: string, o: Options) => {
    const record = asParticipant(o)
      ? await viaApi(o, `/audit/messages/${encodeURIComponent(transactionId)}`)
      : await local(o, (a) => a.record(transactionId, null));
    if (!record) {
      process.stderr.write(`no message ${transactionId}${asParticipant(o) ? ' that you may see' : ''}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  });

  common(audit.command('calls').description('API calls, newest first'))
    .option('--from <datetime>', 'from')
    .option('--to <datetime>', 'to')
    .option('--channel <id>', 'channel')
    .option('--caller <dipId>', 'as an operator: this caller only')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (o: Options) => {
      const limit = o.limit ? Number(o.limit) : 100;
      type Calls = {
        calls: {
          id: number;
          at: string;
          callerId: string | null;
          method: string;
          path: string;
          status: number;
          messages: number;
          accepted: number;
          durationMs: number;
          outcome: string | null;
          evidence: { verifies: boolean } | null;
        }[];
      };
      let page: Calls;
      if (asParticipant(o)) {
        const q = Object.fromEntries(
          Object.entries({ datetimeFrom: o.from, datetimeTo: o.to, channel: o.channel, limit: o.limit }).filter(
            (e): e is [string, string] => e[1] !== undefined,
          ),
        );
        page = (await viaApi(o, `/audit/calls${queryString(q)}`)) as Calls;
      } else {
        const time = (v: string | undefined, name: string): number | null => {
          if (v === undefined) return null;
          const t = parseDateTime(v);
          if (t === null) throw new Error(`--${name} must be a date-time like 2026-11-28T00:00:00+00:00`);
          return t;
        };
        const criteria = {
          from: time(o.from, 'from'),
          to: time(o.to, 'to'),
          channel: o.channel?.toUpperCase() ?? null,
          callerId: o.caller ?? null,
        };
        page = (await local(o, (a) => a.calls(criteria, null, null, limit))) as Calls;
      }
      process.stdout.write(
        o.json
          ? `${JSON.stringify(page, null, 2)}\n`
          : `${
              page.calls
                .map(
                  (c) =>
                    `${c.at}  ${c.callerId ?? '-'}  ${c.method} ${c.path}  ${c.status}  ${c.accepted}/${c.messages}  ${Math.round(c.durationMs)} ms${evidenceNote(c.evidence)}${c.outcome ? `  ${c.outcome}` : ''}`,
                )
                .join('\n') || '(none)'
            }\n`,
      );
    });
}
