/**
 * `opendip admin`: an operator's commands over the operator API (/{version}/admin/...), signed with the
 * operator's certificate exactly as `opendip send` signs. The DIP refuses them to anyone not holding OPERATOR.
 */
import type { Command } from 'commander';
import { registerAdminReplay } from './admin-replay.js';
import { createDipClient, identityFrom, identityOptions, type IdentityOptions } from './dip-client.js';

export type Options = IdentityOptions & {
  state?: string;
  recipient?: string;
  role?: string;
  channel?: string;
  olderThan?: string;
  limit?: string;
  after?: string;
  ids?: string;
  json?: boolean;
};

export const filterOf = (o: Options): Record<string, string> =>
  Object.fromEntries(
    Object.entries({
      state: o.state,
      recipient: o.recipient,
      role: o.role,
      channel: o.channel,
      olderThanMinutes: o.olderThan,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );

/** One signed call of the operator API; anything but 200 is thrown with the DIP's help texts. */
export async function call(o: IdentityOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const client = createDipClient(identityFrom(o));
  try {
    const res = await client.send(method, `/admin${path}`, body === undefined ? '' : JSON.stringify(body));
    if (res.status !== 200) {
      const items = (JSON.parse(res.text) as { messageArray?: { message?: string; help?: string }[] }).messageArray;
      throw new Error(`HTTP ${res.status}: ${items?.map((i) => `${i.message}: ${i.help}`).join('; ') ?? res.text}`);
    }
    return JSON.parse(res.text) as unknown;
  } finally {
    await client.close();
  }
}

interface Copy {
  id: number;
  state: string;
  recipientId: string;
  role: string | null;
  channel: string;
  transactionId: string | null;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

const line = (c: Copy): string =>
  `${c.id}  ${c.state.padEnd(7)}  ${c.recipientId} ${(c.role ?? 'STATUS').padEnd(5)} ${c.channel.padEnd(7)}  ${c.transactionId ?? '-'}  ` +
  `attempts ${c.attempts}  ${c.lastStatus ?? ''} ${c.lastError ?? ''}  created ${c.createdAt}`;

/** Makes `opendip admin` with its replay and deliveries commands; returns it for the other admin modules. */
export function registerAdmin(program: Command): Command {
  const admin = program
    .command('admin')
    .description('operate the DIP through its operator API (needs an OPERATOR certificate)');
  registerAdminReplay(admin);
  const deliveries = admin
    .command('deliveries')
    .description('copies waiting, held or dead: count, list, redrive, release');
  const filtered = (cmd: Command) =>
    identityOptions(cmd)
      .option('--recipient <dipId>', 'the recipient')
      .option('--role <role>', "the recipient's role (STATUS for status messages)")
      .option('--channel <id>', 'e.g. IF-004, or STATUS')
      .option('--older-than <minutes>', 'only copies created at least this many minutes ago')
      .option('--json', 'print JSON');
  const print = (o: Options, value: unknown, text: string): void => {
    process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  };

  filtered(deliveries.command('count').description('how many copies are in a state'))
    .option('--state <state>', 'pending, waiting (for a webhook), held or dead', 'held')
    .action(async (o: Options) => {
      const r = (await call(o, 'GET', `/deliveries/count?${new URLSearchParams(filterOf(o))}`)) as {
        state: string;
        count: number;
        atLeast: boolean;
      };
      print(o, r, `${r.atLeast ? 'more than ' : ''}${r.count} ${r.state}`);
    });

  filtered(deliveries.command('list').description('copies in a state, by endpoint and next attempt'))
    .option('--state <state>', 'pending, waiting (for a webhook), held or dead', 'held')
    .option('--limit <n>', 'copies per page (default 100, at most 1000)')
    .option('--after <cursor>', 'the cursor a previous page printed')
    .action(async (o: Options) => {
      const q = { ...filterOf(o), ...(o.limit ? { limit: o.limit } : {}), ...(o.after ? { after: o.after } : {}) };
      const page = (await call(o, 'GET', `/deliveries?${new URLSearchParams(q)}`)) as {
        copies: Copy[];
        next: string | null;
      };
      print(
        o,
        page,
        `${page.copies.map(line).join('\n') || '(none)'}${page.next ? `\n(more: --after ${page.next})` : ''}`,
      );
    });

  filtered(
    deliveries
      .command('redrive')
      .description('held and dead copies become pending and due now (by --ids, or a filter naming --recipient)'),
  )
    .option('--state <state>', 'held or dead (default: both)')
    .option('--ids <ids>', 'comma-separated copy ids, as list prints them')
    .action(async (o: Options) => {
      const body = o.ids ? { ids: o.ids.split(',').map((id) => Number(id.trim())) } : filterOf(o);
      let total = 0;
      // The DIP redrives at most 5,000 copies per call, each in its own transaction; ask until none is left.
      for (;;) {
        const r = (await call(o, 'POST', '/deliveries/redrive', body)) as { redriven: number; more: boolean };
        total += r.redriven;
        if (!r.more) break;
      }
      print(o, { redriven: total }, `${total} copies redriven`);
    });
  return admin;
}
