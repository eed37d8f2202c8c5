/**
 * `opendip admin pause | resume | pauses`: the controlled upgrade outage (seed §8.5.2) over the operator
 * API. Ingress on a channel (or all) answers sends 503 with Retry-After; delivery to an endpoint (or a
 * channel) leaves its copies pending until the resume.
 */
import type { Command } from 'commander';
import { call } from './admin.js';
import { identityOptions, type IdentityOptions } from './dip-client.js';

type Options = IdentityOptions & {
  ingress?: boolean;
  delivery?: boolean;
  channel?: string;
  recipient?: string;
  role?: string;
  retryAfter?: string;
  reason?: string;
  json?: boolean;
};

interface ShownPause {
  scope: string;
  reason: string | null;
  retryAfter: number | null;
  pausedBy: string;
  pausedAt: string;
}

/** The body the DIP reads: exactly the members given, so the DIP's own checks say what is wrong. */
function bodyOf(o: Options, resume: boolean): Record<string, unknown> {
  if (o.ingress === o.delivery) throw new Error('say --ingress or --delivery (one of them)');
  const retryAfter = o.retryAfter === undefined ? undefined : Number(o.retryAfter);
  if (resume && retryAfter !== undefined) throw new Error('--retry-after is for pausing ingress');
  return Object.fromEntries(
    Object.entries({
      [o.ingress ? 'ingress' : 'delivery']: true,
      channel: o.channel,
      recipient: o.recipient,
      role: o.role,
      retryAfter,
      reason: o.reason,
    }).filter((e) => e[1] !== undefined),
  );
}

const line = (p: ShownPause): string =>
  `${p.scope}${p.reason ? ` (${p.reason})` : ''}${p.retryAfter ? `, Retry-After ${p.retryAfter} s` : ''}, by ${p.pausedBy} at ${p.pausedAt}`;

const scoped = (cmd: Command): Command =>
  identityOptions(cmd)
    .option('--ingress', 'sends to the DIP (answered 503 with Retry-After while paused)')
    .option('--delivery', 'deliveries to webhooks (copies stay pending while paused)')
    .option('--channel <id>', 'e.g. IF-021 (STATUS for status messages); ingress without it: every channel')
    .option('--recipient <dipId>', 'delivery: only to this recipient')
    .option('--role <role>', 'delivery: only to the recipient in this role (one endpoint)')
    .option('--reason <text>', 'why, for the audit trail and the answers')
    .option('--json', 'print JSON');

export function registerAdminPause(admin: Command): void {
  const print = (o: Options, value: unknown, text: string): void => {
    process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  };

  scoped(
    admin.command('pause').description('pause ingress on a channel (or all), or delivery to an endpoint or channel'),
  )
    .option('--retry-after <seconds>', 'ingress: the Retry-After senders are told (default: the DIP setting)')
    .action(async (o: Options) => {
      const r = (await call(o, 'POST', '/pause', bodyOf(o, false))) as { paused: ShownPause };
      print(o, r, `paused ${line(r.paused)}`);
    });

  scoped(admin.command('resume').description('end the pause of exactly this scope')).action(async (o: Options) => {
    const r = (await call(o, 'POST', '/resume', bodyOf(o, true))) as { resumed: string; pauses: ShownPause[] };
    print(o, r, `resumed ${r.resumed}; ${r.pauses.length} pause(s) still in force`);
  });

  identityOptions(admin.command('pauses').description('every pause in force'))
    .option('--json', 'print JSON')
    .action(async (o: Options) => {
      const r = (await call(o, 'GET', '/pauses')) as { pauses: ShownPause[] };
      print(o, r, r.pauses.map(line).join('\n') || '(nothing paused)');
    });
}
