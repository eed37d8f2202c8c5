/** `opendip serve`: run the DIP. */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/config.js';
import { helpOf } from '../config/settings-doc.js';
import { isNegated, SETTINGS, type Setting, type SettingKey } from '../config/settings.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Store } from '../storage/ports.js';
import type { DemoMarketFile } from '../demo/market.js';
import { SERVICE_NAMES, type DemoMpan } from '../demo/mpans.js';
import type { Service } from '../domain/appointments.js';

/** What `serve` needs of a started DIP; the process entry hands in the composition root. */
export interface StartedDip {
  store: Pick<Store, 'backend'>;
  role: Config['role'];
  baseUrl: string;
  demo: { file: string; market: DemoMarketFile; inbox: string } | null;
  close(): Promise<void>;
}

export interface ServeDeps {
  version: string;
  binPath: string;
  start(config: Readonly<Config>, options?: { logger?: Logger }): Promise<StartedDip>;
}

/** Quotes a path for a POSIX shell when it needs it, so the printed command pastes as printed. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function banner(dip: StartedDip, version: string, environment: string, binPath: string): string {
  const lines = [`OpenDIP ${version}  environment ${environment}  store ${dip.store.backend}  role ${dip.role}`];
  if (dip.role !== 'worker') {
    const origin = dip.baseUrl.slice(0, dip.baseUrl.lastIndexOf('/'));
    lines.push(
      `API     ${dip.baseUrl}/dip-channel/{IF-xxx}`,
      `Docs    ${origin}/docs  (${dip.baseUrl}/openapi.json)`,
      `Portal  ${origin}/portal  (portal users, browser client certificates, or a DIP id and API key)`,
    );
  }
  if (dip.role !== 'api') lines.push('Worker  delivery, status relay and housekeeping');
  if (dip.demo) {
    const { file, market } = dip.demo;
    const sender = market.participants.find((p) => p.roles.includes('SDS'));
    lines.push(
      `Demo    ${market.participants.length} participants; ids, roles, API keys, certificates and keys in ${file}`,
      `        what the DIP delivers to them, as JSON lines: ${dip.demo.inbox}`,
      ...portalUsers(market.participants),
      '',
      ...mpanTable(market.mpans ?? []),
      '',
      'Send a demo IF-021 batch, signed as the demo Smart Data Service:',
      `  node ${shellQuote(binPath)} send --participants ${shellQuote(file)} --as ${sender?.dipId ?? '<dipId>'} --channel IF-021 --restamp ${shellQuote(join(dirname(file), 'samples', 'IF-021.json'))}`,
      ...sampleCommands(market, binPath, file),
    );
  }
  return lines.join('\n');
}

/** The demo's ready portal users the banner names: the sender of the sample, and the operator. */
function portalUsers(participants: DemoMarketFile['participants']): string[] {
  const shown = participants.filter((p) => p.portalUser && (p.roles.includes('SDS') || p.roles.includes('OPERATOR')));
  return [
    '        portal users (one per participant, with passwords, in that file):',
    ...shown.map((p) => `          ${p.portalUser!.username}  password ${p.portalUser!.password}  (${p.name})`),
  ];
}

/** One row per demo MPAN: who serves it in each service, by DIP id (names and roles in participants.json). */
function mpanTable(mpans: DemoMpan[]): string[] {
  if (mpans.length === 0) return [];
  const services = Object.keys(SERVICE_NAMES) as Service[];
  const legend = services.map((s) => `${s} ${SERVICE_NAMES[s]}`).join(', ');
  const row = (cells: string[]): string =>
    `  ${cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(i === 0 ? 15 : 12) : c)).join('')}`;
  return [
    'Demo MPANs and who serves them (names and roles in participants.json):',
    `  ${legend}`,
    row(['MPAN', ...services, 'site']),
    ...mpans.map((m) => row([m.mpan, ...services.map((s) => m.services[s]?.dipId ?? '-'), m.site])),
  ];
}

/** A batch about the second demo MPAN, made by `sample` and sent by its own data service. */
function sampleCommands(market: DemoMarketFile, binPath: string, file: string): string[] {
  const mpan = market.mpans?.[1];
  const ds = mpan?.services.DS;
  const role = ds?.roles.find((r) => r === 'SDS' || r === 'ADS' || r === 'UMSDS');
  if (!mpan || !ds || !role) return [];
  const bin = shellQuote(binPath);
  return [
    '',
    `Or make a batch about demo MPAN ${mpan.mpan} (${mpan.site}) and send it as its data service:`,
    `  node ${bin} sample --channel IF-021 --sender ${ds.dipId} --role ${role} --mpan ${mpan.mpan} --count 5 > batch.json`,
    `  node ${bin} send --participants ${shellQuote(file)} --as ${ds.dipId} --channel IF-021 batch.json`,
  ];
}

export function registerServe(program: Command, { version, binPath, start }: ServeDeps): void {
  const serve = program
    .command('serve')
    .description('run the DIP (embedded SQLite store and a demo market by default)');
  for (const s of Object.values(SETTINGS) as Setting[]) serve.option(s.flag, helpOf(s));
  serve.action(async (opts: Record<string, string | boolean | undefined>) => {
    // commander sets negatable flags to true by default; only an explicit --no-x should override the environment.
    const flags: ConfigFlags = { ...opts };
    for (const [key, s] of Object.entries(SETTINGS) as [SettingKey, Setting][])
      if (isNegated(s)) flags[key] = opts[key] === false ? false : undefined;
    let config;
    try {
      config = loadConfig(flags);
    } catch (e) {
      if (e instanceof ConfigError) program.error(`opendip serve: ${e.message}`);
      throw e;
    }
    // Signals are handled from the start: an interrupted first start must still close the store cleanly.
    let dip: StartedDip | null = null;
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      if (dip) {
        await dip.close();
        process.exit(0);
      }
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    dip = await start(config);
    if (stopping) {
      await dip.close();
      process.exit(0);
    }
    process.stdout.write(`${banner(dip, version, config.environment, binPath)}\n`);
  });
}
