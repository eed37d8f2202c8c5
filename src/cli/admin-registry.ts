/**
 * `opendip admin participants | certificates | mpan`: the operator's view of the registry over the operator
 * API, signed with the operator's certificate like every `opendip admin` command.
 */
import type { Command } from 'commander';
import { call } from './admin.js';
import { identityOptions, type IdentityOptions } from './dip-client.js';

type Options = IdentityOptions & { json?: boolean; expiring?: string; at?: string };

interface Appointment {
  service: string;
  participantId: string;
  from: string;
  to: string | null;
  appointedBy: { channel: string | null; transactionId: string | null } | null;
}

const print = (o: Options, value: unknown, text: string): void => {
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
};

/** `30d`, `30` (days) or `12w`, as days. */
export function daysOf(text: string): number {
  const m = /^(\d{1,5})([dw]?)$/.exec(text.trim());
  if (!m) throw new Error(`--expiring takes days, e.g. 30d, 30 or 4w: '${text}'`);
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}

const appointmentLine = (a: Appointment): string =>
  `${a.service.padEnd(4)}  ${a.participantId}  from ${a.from}${a.to ? ` to ${a.to}` : ''}  ` +
  `${a.appointedBy ? `by ${a.appointedBy.channel ?? '?'} ${a.appointedBy.transactionId ?? '(message purged)'}` : 'by import'}`;

/** Adds the registry commands to `opendip admin` (made by cli/admin.ts). */
export function registerAdminRegistry(admin: Command): void {
  const withIdentity = (cmd: Command) => identityOptions(cmd).option('--json', 'print JSON');

  withIdentity(admin.command('participants').description('participants with their roles and DCP grants')).action(
    async (o: Options) => {
      const r = (await call(o, 'GET', '/participants')) as {
        participants: {
          dipId: string;
          name: string;
          roles: string[];
          actsFor: { participantId: string; role: string }[];
          assignedTo: { role: string; dcpId: string }[];
        }[];
      };
      const lines = r.participants.map(
        (p) =>
          `${p.dipId}  ${p.roles.join(',').padEnd(12)}  ${p.name}` +
          (p.assignedTo.length ? `  assigns ${p.assignedTo.map((g) => `${g.role}→${g.dcpId}`).join(' ')}` : '') +
          (p.actsFor.length ? `  acts for ${p.actsFor.map((g) => `${g.participantId}:${g.role}`).join(' ')}` : ''),
      );
      print(o, r, lines.join('\n') || '(no participants)');
    },
  );

  withIdentity(
    admin
      .command('certificates')
      .description('certificates (by expiry) and API keys, with activation, deactivation and revocation'),
  )
    .option('--expiring <days>', 'only certificates whose validity ends within this time, e.g. 30d (no API keys)')
    .action(async (o: Options) => {
      const q = o.expiring === undefined ? '' : `?expiringWithinDays=${daysOf(o.expiring)}`;
      const r = (await call(o, 'GET', `/certificates${q}`)) as {
        certificates: {
          fingerprint: string;
          dipId: string;
          notAfter: string;
          daysLeft: number;
          state: string;
          activeFrom: string | null;
        }[];
        apiKeys: { keyHash: string; dipId: string; label: string | null; state: string }[];
      };
      const lines = [
        ...r.certificates.map(
          (c) =>
            `certificate ${c.fingerprint.slice(0, 16)}…  ${c.dipId}  ${c.state.padEnd(14)}  expires ${c.notAfter} (${c.daysLeft} days)` +
            (c.activeFrom ? `  active from ${c.activeFrom}` : ''),
        ),
        ...r.apiKeys.map(
          (k) => `api key ${k.keyHash.slice(0, 16)}…  ${k.dipId}  ${k.state.padEnd(14)}  ${k.label ?? ''}`,
        ),
      ];
      print(o, r, lines.join('\n') || '(none)');
    });

  withIdentity(
    admin
      .command('mpan')
      .description('who serves an MPAN, with the message that appointed each, and the history')
      .argument('<mpan>', 'the MPAN core'),
  )
    .option('--at <time>', 'the moment asked about, DT-003 or ISO 8601 (default now)')
    .action(async (mpan: string, o: Options) => {
      const q = o.at === undefined ? '' : `?at=${encodeURIComponent(o.at)}`;
      const r = (await call(o, 'GET', `/mpans/${encodeURIComponent(mpan)}${q}`)) as {
        at: string;
        services: Record<string, Appointment | null>;
        history: Appointment[];
      };
      const lines = [
        `at ${r.at}:`,
        ...Object.entries(r.services).map(([s, a]) => (a ? `  ${appointmentLine(a)}` : `  ${s.padEnd(4)}  (nobody)`)),
        'history:',
        ...(r.history.length ? r.history.map((a) => `  ${appointmentLine(a)}`) : ['  (no appointment on record)']),
      ];
      print(o, r, lines.join('\n'));
    });
}
