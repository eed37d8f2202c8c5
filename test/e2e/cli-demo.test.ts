/**
 * The demo market as a newcomer finds it: the banner and participants.json name the demo MPANs and who
 * serves each; a batch made with `opendip sample --mpan` for any of them and sent with `opendip send`
 * reaches the demo inbox of the participants serving that MPAN; the log is JSON lines when it is not
 * written to a terminal.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { isService, SERVICES } from '../../src/domain/appointments.js';
import type { DemoMarketFile } from '../../src/demo/market.js';
import { logStyle } from '../../src/runtime/log.js';
import { failed, readMarket, removeDir, runCli, startServer, tempDir, type ServerProcess } from './support.js';
import { seedDemoPki } from './demo-pki.js';

/** Roles that send IF-021, consumption: a demo MPAN's data service sends it in the one of them it holds. */
const CONSUMPTION_SENDERS = ['SDS', 'ADS', 'UMSDS'];

interface InboxLine {
  path: string;
  mpo: { dipId: string; role: string };
  transactionID: string;
  item: { payload: { CommonBlock: { M0: { MPANCore: string } } } };
}

const readInbox = (file: string): InboxLine[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as InboxLine)
    : [];

describe('the demo market, found from its banner and participants.json', () => {
  const dataDir = tempDir('demo');
  let server: ServerProcess;
  let market: DemoMarketFile;
  before(async () => {
    await seedDemoPki(dataDir);
    server = await startServer(['--data-dir', dataDir, '--port', '0']);
    market = readMarket(dataDir);
  });
  after(async () => {
    await server?.stop();
    removeDir(dataDir);
  });

  test('participants.json lists the demo MPANs, each served by demo participants in the roles of the service', () => {
    const mpans = market.mpans ?? [];
    assert.ok(mpans.length >= 2, 'more than one demo MPAN');
    for (const m of mpans) {
      assert.match(m.mpan, /^\d{13}$/);
      for (const service of ['SUP', 'LDSO', 'MS', 'DS', 'REGS'])
        assert.ok(m.services[service as 'SUP'], `${m.mpan} has a ${service}`);
      for (const [service, who] of Object.entries(m.services)) {
        const p = market.participants.find((x) => x.dipId === who.dipId);
        assert.ok(p, `${m.mpan}'s ${service} ${who.dipId} is a demo participant`);
        assert.equal(who.name, p.name);
        assert.ok(
          p.roles.some((r) => isService(service) && (SERVICES[service] as readonly string[]).includes(r)),
          `${who.dipId} holds a ${service} role`,
        );
      }
    }
  });

  test('the banner lists every demo MPAN with the DIP ids of who serves it', () => {
    for (const m of market.mpans ?? []) {
      const row = new RegExp(`^\\s+${m.mpan}\\s.*$`, 'm').exec(server.banner);
      assert.ok(row, `a banner row for ${m.mpan}:\n${server.banner}`);
      for (const who of Object.values(m.services))
        assert.ok(row[0].includes(who.dipId), `${row[0]} names ${who.dipId}`);
    }
  });

  test('a batch sampled with --mpan for each demo MPAN, sent with opendip send, reaches who serves that MPAN', async () => {
    const participants = join(dataDir, 'demo', 'participants.json');
    const expected: { mpan: string; transactionIds: string[]; recipients: string[] }[] = [];
    for (const m of market.mpans ?? []) {
      const ds = m.services.DS!;
      const role = ds.roles.find((r) => CONSUMPTION_SENDERS.includes(r))!;
      const sample = await runCli([
        'sample',
        '--channel',
        'IF-021',
        '--sender',
        ds.dipId,
        '--role',
        role,
        '--mpan',
        m.mpan,
        '--count',
        '3',
      ]);
      assert.equal(sample.code, 0, sample.stderr);
      const file = join(dataDir, `batch-${m.mpan}.json`);
      writeFileSync(file, sample.stdout);
      const sent = await runCli([
        'send',
        '--participants',
        participants,
        '--as',
        ds.dipId,
        '--channel',
        'IF-021',
        file,
      ]);
      assert.equal(sent.code, 0, sent.stdout + sent.stderr);
      assert.match(sent.stdout, /^HTTP 201: 3 of 3 message\(s\) accepted$/m);
      const transactionIds = sent.stdout.match(/T-IF-021-\S+/g) ?? [];
      assert.equal(transactionIds.length, 3, sent.stdout);
      expected.push({ mpan: m.mpan, transactionIds, recipients: [m.services.SUP!.dipId, m.services.LDSO!.dipId] });
    }
    const inbox = join(dataDir, 'demo', 'inbox.jsonl');
    const missing = (): string[] => {
      const lines = readInbox(inbox);
      return expected.flatMap(({ mpan, transactionIds, recipients }) =>
        transactionIds.flatMap((txn) =>
          recipients
            .filter(
              (dipId) =>
                !lines.some(
                  (l) =>
                    l.transactionID === txn && l.mpo.dipId === dipId && l.item.payload.CommonBlock.M0.MPANCore === mpan,
                ),
            )
            .map((dipId) => `${txn} (${mpan}) to ${dipId}`),
        ),
      );
    };
    const deadline = Date.now() + 20_000;
    while (missing().length > 0 && Date.now() < deadline) await sleep(25);
    assert.deepEqual(missing(), [], 'every message delivered to the supplier and distributor of its MPAN');
  });

  test('the banner\'s "sample ... > batch.json" and "send ... batch.json" commands, run as printed, deliver', async () => {
    const sample = /^\s*node (\S+) (sample .+) > batch\.json$/m.exec(server.banner);
    const send = /^\s*node \S+ (send .+ batch\.json)$/m.exec(server.banner);
    assert.ok(sample && send, server.banner);
    const made = await runCli(sample[2]!.split(/\s+/));
    assert.equal(made.code, 0, made.stderr);
    writeFileSync(join(dataDir, 'batch.json'), made.stdout);
    const sent = await runCli(send[1]!.split(/\s+/), { cwd: dataDir });
    assert.equal(sent.code, 0, sent.stdout + sent.stderr);
    assert.match(sent.stdout, /^HTTP 201: 5 of 5 message\(s\) accepted$/m);
  });

  test('the log is JSON lines when standard output is not a terminal, delivery thread included', async () => {
    const deadline = Date.now() + 10_000;
    const logLines = (): Record<string, unknown>[] =>
      server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    while (!logLines().some((l) => l.msg === 'delivery attempt') && Date.now() < deadline) await sleep(25);
    const lines = logLines();
    assert.ok(
      lines.some((l) => l.msg === 'api request' && l.channel === 'IF-021'),
      'an API request line',
    );
    assert.ok(
      lines.some((l) => l.msg === 'delivery attempt' && l.status === 201),
      'a delivery attempt line',
    );
    for (const l of lines) assert.equal(typeof l.level, 'number');
    assert.doesNotMatch(server.stdout(), /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR)/m, 'no readable lines');
  });
});

describe('opendip sample --mpan', () => {
  const core = (out: string): string =>
    (JSON.parse(out) as { payload: { CommonBlock: { M0: { MPANCore: string; distributorDIPID: string } } } }[])[0]!
      .payload.CommonBlock.M0.MPANCore;

  test('is a demo MPAN when not given, with that MPAN’s demo distributor', async () => {
    const r = await runCli(['sample', '--channel', 'IF-021', '--sender', '1200000001']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(core(r.stdout), '1900000000013');
    assert.match(r.stdout, /"distributorDIPID": "1600000001"/);
  });

  test('refuses an MPAN whose check digit is wrong, naming the digit it should have', async () => {
    const r = await runCli(['sample', '--channel', 'IF-021', '--sender', '1200000001', '--mpan', '1900000000023']);
    assert.ok(failed(r));
    assert.match(r.stderr, /--mpan 1900000000023 is not a valid MPAN: .*should be 2/);
  });
});

describe('the log format', () => {
  test('auto is readable on a terminal only; json and pretty are what they say; colours only on a terminal', () => {
    assert.deepEqual(logStyle('auto', true), { pretty: true, colour: true });
    assert.deepEqual(logStyle('auto', false), { pretty: false, colour: false });
    assert.deepEqual(logStyle('json', true), { pretty: false, colour: true });
    assert.deepEqual(logStyle('pretty', false), { pretty: true, colour: false });
  });

  test('--log-format pretty writes readable lines, without escape codes into a pipe', async () => {
    const dataDir = tempDir('pretty');
    const server = await startServer(['--data-dir', dataDir, '--port', '0', '--no-demo', '--log-format', 'pretty']);
    try {
      const deadline = Date.now() + 10_000;
      while (!/listening/.test(server.stdout()) && Date.now() < deadline) await sleep(25);
      assert.match(
        server.stdout(),
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at https:\/\/127\.0\.0\.1:\d+$/m,
      );
      assert.doesNotMatch(server.stdout(), /^\{"level"/m);
      assert.ok(!server.stdout().includes('\u001b['), 'no escape codes');
    } finally {
      await server.stop();
      removeDir(dataDir);
    }
  });

  test('an unknown format is refused with the ones there are', async () => {
    const r = await runCli(['serve', '--port', '0', '--log-format', 'xml', '--data-dir', tempDir('badlog')]);
    assert.ok(failed(r));
    assert.match(r.stderr, /log-format must be one of auto, json, pretty, not 'xml'/);
  });
});
