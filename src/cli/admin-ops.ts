/**
 * `opendip admin deliveries release` and `opendip admin endpoints`: give up on copies, and see each delivery
 * endpoint's breaker, webhook and backlog, over the operator API like the other `opendip admin` commands.
 */
import type { Command } from 'commander';
import { call, filterOf, type Options } from './admin.js';
import { identityOptions } from './dip-client.js';

type EndpointOptions = Options & { breaker?: string };

interface EndpointRow {
  recipientId: string;
  channel: string;
  role: string | null;
  breaker: string;
  nextAttemptAt: string | null;
  leased: boolean;
  webhook: boolean;
  waiting: boolean;
  pending: number;
  pendingAtLeast: boolean;
  lastStatus: number | null;
  lastError: string | null;
}

const print = (o: Options, value: unknown, text: string): void => {
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
};

const line = (e: EndpointRow): string =>
  `${e.recipientId} ${(e.role ?? '-').padEnd(5)} ${e.channel.padEnd(7)}  breaker ${e.breaker.padEnd(9)} ` +
  `${e.waiting ? 'waiting for a webhook' : `next ${e.nextAttemptAt ?? '-'}`}${e.leased ? ' (leased)' : ''}  ` +
  `webhook ${e.webhook ? 'yes' : 'no'}  pending ${e.pendingAtLeast ? 'more than ' : ''}${e.pending}` +
  `${e.lastStatus !== null || e.lastError ? `  last ${e.lastStatus ?? ''} ${e.lastError ?? ''}` : ''}`;

/** Adds to the `admin` and `admin deliveries` commands registerAdmin made. */
export function registerAdminOps(admin: Command): void {
  const deliveries = admin.commands.find((c) => c.name() === 'deliveries')!;
  identityOptions(
    deliveries
      .command('release')
      .description(
        'give up on held and pending copies (by --ids, or a filter naming --recipient): they end dead and each sender is told',
      ),
  )
    .option('--recipient <dipId>', 'the recipient')
    .option('--role <role>', "the recipient's role")
    .option('--channel <id>', 'e.g. IF-004, or STATUS')
    .option('--older-than <minutes>', 'only copies created at least this many minutes ago')
    .option('--state <state>', 'held, pending or waiting (default: all three)')
    .option('--ids <ids>', 'comma-separated copy ids, as `deliveries list` prints them')
    .option('--json', 'print JSON')
    .action(async (o: Options) => {
      const body = o.ids ? { ids: o.ids.split(',').map((id) => Number(id.trim())) } : filterOf(o);
      let total = 0;
      // The DIP releases at most 5,000 copies per call, each batch in its own transaction; ask until none is left.
      for (;;) {
        const r = (await call(o, 'POST', '/deliveries/release', body)) as { released: number; more: boolean };
        total += r.released;
        if (!r.more) break;
      }
      print(o, { released: total }, `${total} copies released`);
    });

  identityOptions(admin.command('endpoints').description('delivery endpoints: breaker, next attempt, webhook, backlog'))
    .option('--recipient <dipId>', 'the recipient')
    .option('--role <role>', "the recipient's role")
    .option('--channel <id>', 'e.g. IF-004, or STATUS')
    .option('--breaker <state>', 'closed, open or half-open')
    .option('--limit <n>', 'endpoints per page (default 50, at most 100)')
    .option('--after <cursor>', 'the cursor a previous page printed')
    .option('--json', 'print JSON')
    .action(async (o: EndpointOptions) => {
      const q = Object.fromEntries(
        Object.entries({
          recipient: o.recipient,
          role: o.role,
          channel: o.channel,
          breaker: o.breaker,
          limit: o.limit,
          after: o.after,
        }).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const page = (await call(o, 'GET', `/endpoints?${new URLSearchParams(q)}`)) as {
        endpoints: EndpointRow[];
        next: string | null;
      };
      print(
        o,
        page,
        `${page.endpoints.map(line).join('\n') || '(none)'}${page.next ? `\n(more: --after ${page.next})` : ''}`,
      );
    });
}
