/**
 * `opendip registry`: the operator's view of who may use the DIP. Works on the store directly, so it can
 * run beside a running server, which picks changes up within seconds.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { issueCertificate } from '../crypto/devpki.js';
import { isRole, type Role } from '../domain/model.js';
import { pkiPaths } from '../demo/market.js';
import { parseInstant } from '../registry/admin-view.js';
import { importMpans } from '../registry/mpan-import.js';
import type { Registry } from '../registry/registry.js';
import { issuePortalLink, userState } from '../registry/portal-users.js';
import type { MpanStore, PortalUserStore } from '../storage/ports.js';

export interface RegistryDeps {
  /** Opens the registry of the store named by --data-dir/--database (or the environment). */
  open(flags: { dataDir?: string; database?: string }): Promise<{
    registry: Registry;
    store: MpanStore & PortalUserStore;
    /** Where the DIP is reached (--public-url, else this machine's port), for the links it prints. */
    origin: string;
    close(): Promise<void>;
  }>;
}

type Flags = { dataDir?: string; database?: string };

const NOT_BEFORE =
  'refuse it until this time (DT-003 or ISO 8601), for a rotation: the certificate it replaces serves until deactivated';

/** A --not-before or --at value as epoch ms (undefined: none given). */
function instantOf(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const at = parseInstant(value);
  if (at === null)
    throw new Error(
      `${flag} is a date-time, DT-003 (2026-07-01T09:00:00+01:00) or ISO 8601 (2026-07-01T08:00:00Z): '${value}'`,
    );
  return at;
}
const activationOf = (value: string | undefined): number | null => instantOf(value, '--not-before') ?? null;
const activeText = (from: number | null): string =>
  from === null ? '' : `, active from ${new Date(from).toISOString()}`;

function roles(list: string): Role[] {
  const out = list.split(',').map((r) => r.trim().toUpperCase());
  for (const r of out) if (!isRole(r)) throw new Error(`unknown role '${r}'`);
  return out as Role[];
}

export function registerRegistry(program: Command, deps: RegistryDeps): void {
  const registry = program
    .command('registry')
    .description('list and change participants, roles, DCP grants, certificates and API keys');
  const withStore = (cmd: Command) =>
    cmd
      .option('--data-dir <dir>', 'data directory of an embedded store [OPENDIP_DATA_DIR]')
      .option('--database <url>', 'database URL [OPENDIP_DATABASE_URL]');
  const run =
    (
      action: (
        r: Registry,
        opts: Record<string, string>,
        args: string[],
        opened: { store: MpanStore & PortalUserStore; origin: string },
      ) => Promise<string>,
    ) =>
    async (...params: unknown[]) => {
      const cmd = params.at(-1) as Command;
      const opts = cmd.opts<Record<string, string>>();
      const {
        registry: r,
        store,
        origin,
        close,
      } = await deps.open({
        dataDir: opts.dataDir,
        database: opts.database,
      } as Flags);
      try {
        process.stdout.write(`${await action(r, opts, cmd.args, { store, origin })}\n`);
      } finally {
        await close();
      }
    };

  withStore(
    registry.command('list').description('print participants with their roles, DCP grants and certificates'),
  ).action(
    run(async (r) => {
      const view = r.view();
      return (
        view
          .participants()
          .map((p) => {
            const grants = view.grantsOf(p.dipId).map((g) => `${g.participantId}:${g.role}`);
            return `${p.dipId}  ${p.roles.join(',').padEnd(10)}  ${p.name}${grants.length ? `  acts for ${grants.join(' ')}` : ''}`;
          })
          .join('\n') || '(no participants)'
      );
    }),
  );

  withStore(
    registry
      .command('add-participant')
      .description('add a participant or change its name and roles')
      .requiredOption('--id <dipId>', '10-character DIP participant id')
      .requiredOption('--name <name>', 'name')
      .requiredOption('--roles <roles>', 'comma-separated, e.g. SUP,LDSO'),
  ).action(
    run(async (r, o) => {
      await r.saveParticipant({ dipId: o.id!, name: o.name!, roles: roles(o.roles!) });
      return `saved ${o.id}`;
    }),
  );

  withStore(
    registry
      .command('add-certificate')
      .description("register a participant's signing / mTLS certificate")
      .requiredOption('--id <dipId>', 'owner')
      .option('--not-before <time>', NOT_BEFORE)
      .argument('<pem>', 'certificate file (PEM)'),
  ).action(
    run(async (r, o, args) => {
      const from = activationOf(o.notBefore);
      const fingerprint = await r.registerCertificate(o.id!, readFileSync(args[0]!, 'utf8'), from);
      return `registered certificate ${fingerprint} to ${o.id}${activeText(from)}`;
    }),
  );

  withStore(
    registry
      .command('issue-certificate')
      .description("issue a participant's (or an operator's) signing certificate from the DIP's CA and register it")
      .requiredOption('--id <dipId>', 'owner')
      .requiredOption('--out <dir>', 'where to write <dipId>.pem and <dipId>-key.pem')
      .option('--ca-cert <pem>', "the CA's certificate (default: the data directory's pki/ca.pem)")
      .option('--ca-key <pem>', "the CA's private key (default: the data directory's pki/ca-key.pem)")
      .option('--not-before <time>', NOT_BEFORE),
  ).action(
    run(async (r, o) => {
      const from = activationOf(o.notBefore);
      const defaults = pkiPaths(o.dataDir ?? 'data');
      const ca = {
        certificatePem: readFileSync(o.caCert ?? defaults.caCert, 'utf8'),
        privateKeyPem: readFileSync(o.caKey ?? defaults.caKey, 'utf8'),
      };
      if (!r.view().participant(o.id!)) throw new Error(`unknown participant ${o.id}: add it first`);
      const issued = await issueCertificate(ca, { commonName: o.id!, usage: 'client' });
      mkdirSync(o.out!, { recursive: true });
      const certificate = join(o.out!, `${o.id}.pem`);
      const key = join(o.out!, `${o.id}-key.pem`);
      writeFileSync(certificate, issued.certificatePem);
      writeFileSync(key, issued.privateKeyPem, { mode: 0o600 });
      const fingerprint = await r.registerCertificate(o.id!, issued.certificatePem, from);
      return `issued and registered certificate ${fingerprint} to ${o.id}${activeText(from)}: ${certificate}, ${key}`;
    }),
  );

  withStore(
    registry
      .command('issue-api-key')
      .description('issue a new X-API-Key for a participant (printed once; only its hash is kept)')
      .requiredOption('--id <dipId>', 'owner')
      .option('--label <label>', 'what the key is for', 'issued'),
  ).action(run(async (r, o) => r.issueApiKey(o.id!, o.label!)));

  withStore(
    registry
      .command('portal-user')
      .description(
        'issue a one-time portal sign-in link for a new user of a participant, or to reset one (its password stops working)',
      )
      .requiredOption('--id <dipId>', 'the participant the user signs in for')
      .requiredOption('--user <username>', '3 to 64 letters, digits and . _ @ - (an email address fits)'),
  ).action(
    run(async (r, o, _args, { store, origin }) => {
      const issued = await issuePortalLink(store, r.view(), {
        username: o.user!,
        dipId: o.id!,
        issuedBy: 'opendip registry',
        now: Date.now(),
      });
      if (!issued.ok) throw new Error(issued.problem);
      return `${origin}${issued.path}\n(opens once, until ${new Date(issued.expiresAt).toISOString()}; ${o.user} sets a password there)`;
    }),
  );

  withStore(
    registry
      .command('portal-users')
      .description('list portal users and how each signs in')
      .option('--id <dipId>', "only this participant's"),
  ).action(
    run(async (_r, o, _args, { store }) => {
      const now = Date.now();
      const users = await store.portalUsers(o.id ?? null);
      return users.map((u) => `${u.dipId}  ${u.username}  ${userState(u, now)}`).join('\n') || '(no portal users)';
    }),
  );

  withStore(
    registry
      .command('remove-portal-user')
      .description('remove a portal user; its sessions end at once')
      .requiredOption('--user <username>', 'the user'),
  ).action(
    run(async (_r, o, _args, { store }) => {
      if (!(await store.removePortalUser(o.user!))) throw new Error(`no portal user ${o.user}`);
      return `removed ${o.user}`;
    }),
  );

  withStore(
    registry
      .command('grant-dcp')
      .description("let a DIP Connection Provider act for a participant's role")
      .requiredOption('--dcp <dipId>', 'the DCP')
      .requiredOption('--participant <dipId>', 'the participant')
      .requiredOption('--role <role>', 'the role'),
  ).action(
    run(async (r, o) => {
      await r.grantDcp({ dcpId: o.dcp!, participantId: o.participant!, role: roles(o.role!)[0]! });
      return `${o.dcp} now acts for ${o.participant} as ${o.role}`;
    }),
  );

  withStore(
    registry
      .command('import-mpans')
      .description('import who serves each MPAN from CSV rows: mpan,service,participant,effective_from[,effective_to]')
      .argument('<csv>', 'CSV file; service is SUP, LDSO, MS, DS, MDR or REGS; dates YYYY-MM-DD or DT-003'),
  ).action(
    run(async (_r, _o, args, { store: mpans }) => {
      const started = Date.now();
      const bar = process.stderr.isTTY
        ? new SingleBar({ format: 'importing {value} rows', etaBuffer: 1 }, Presets.shades_classic)
        : null;
      bar?.start(0, 0);
      const result = await importMpans(args[0]!, mpans, { onProgress: (rows) => bar?.update(rows) });
      bar?.stop();
      const lines = [
        `${result.rows} rows read, ${result.applied} changes applied in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ];
      for (const r of result.rejected) lines.push(`  line ${r.line}: ${r.problem}`);
      if (result.rejected.length > 0) process.exitCode = 1;
      return lines.join('\n');
    }),
  );

  const credential = (cmd: Command) =>
    withStore(cmd)
      .option('--certificate <fingerprint>', 'a certificate, by the SHA-256 fingerprint registering it printed')
      .option('--api-key <hash>', 'an API key, by its hash (opendip admin certificates lists them)');
  const named = (o: Record<string, string>): { kind: 'certificate' | 'api-key'; id: string } => {
    if (Boolean(o.certificate) === Boolean(o.apiKey)) throw new Error('name one of --certificate or --api-key');
    return o.certificate
      ? { kind: 'certificate', id: o.certificate.toLowerCase() }
      : { kind: 'api-key', id: o.apiKey! };
  };
  credential(
    registry
      .command('deactivate')
      .description('retire a certificate or an API key in the normal course (a rotation), now or --at a later time'),
  )
    .option('--at <time>', 'from when it is refused (DT-003 or ISO 8601; default now)')
    .action(
      run(async (r, o) => {
        const { kind, id } = named(o);
        const at = instantOf(o.at, '--at') ?? Date.now();
        await r.retire(kind, id, 'deactivated', at);
        return `${kind} ${id} deactivated from ${new Date(at).toISOString()}`;
      }),
    );
  credential(registry.command('revoke').description('refuse a compromised certificate or API key from now on')).action(
    run(async (r, o) => {
      const { kind, id } = named(o);
      await r.retire(kind, id, 'revoked', Date.now());
      return `${kind} ${id} revoked`;
    }),
  );

  withStore(
    registry
      .command('revoke-dcp')
      .description('withdraw a DCP grant')
      .requiredOption('--participant <dipId>', 'the participant')
      .requiredOption('--role <role>', 'the role'),
  ).action(
    run(async (r, o) => {
      await r.revokeDcp(o.participant!, roles(o.role!)[0]!);
      return `revoked the DCP of ${o.participant} for ${o.role}`;
    }),
  );
}
