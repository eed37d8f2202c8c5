/**
 * The `opendip` command as a newcomer and an operator meet it: `serve` with the defaults (HTTPS and the
 * demo market), the send command its banner prints, `send`, `validate`, `replay`, `requeue` and `audit`.
 * Other ways of starting `serve`, `serve --help` and bad settings: test/e2e/cli-serve.test.ts.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDipClient, identityFromDemoFile } from '../../src/cli/dip-client.js';
import { restamp } from '../../src/cli/send.js';
import type { DemoMarketFile } from '../../src/demo/market.js';
import {
  readMarket,
  removeDir,
  runCli,
  runCommand,
  startServer,
  tempDir,
  type Message,
  type ServerProcess,
} from './support.js';

const ROLES = [
  'SUP',
  'REGS',
  'SDS',
  'ADS',
  'MSS',
  'MSA',
  'UMSO',
  'UMSDS',
  'MDR',
  'LDSO',
  'MDS',
  'LSS',
  'VAS',
  'ISD',
  'EES',
];
const TXN = /T-IF-021-1200000001-SDS-\d{8}-[0-9A-F]{16}/g;

describe('a DIP started with the defaults', () => {
  const dataDir = tempDir('cli');
  const samples = join(dataDir, 'demo', 'samples');
  let server: ServerProcess;
  let market: DemoMarketFile;
  before(async () => {
    server = await startServer(['--data-dir', dataDir, '--port', '0']);
    market = readMarket(dataDir);
  });
  after(async () => {
    await server?.stop();
    removeDir(dataDir);
  });

  test('serves HTTPS on 127.0.0.1 and says so in its banner', () => {
    assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+\/1\.1$/);
    assert.match(server.banner, /environment DEV/);
    assert.equal(market.baseUrl, server.baseUrl);
  });

  test("the banner's send command, run as printed, is accepted; and again, as it restamps", async () => {
    const line = /^\s*(node \S+ send .+)$/m.exec(server.banner);
    assert.ok(line, `a send command in the banner:\n${server.banner}`);
    const argv = line[1]!.trim().split(/\s+/);
    assert.ok(argv.includes('--restamp'));
    const seen = new Set<string>();
    for (const run of [1, 2]) {
      const r = await runCommand(argv);
      assert.equal(r.code, 0, `run ${run}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^HTTP 201: 10 of 10 message\(s\) accepted$/m);
      const ids = r.stdout.match(TXN) ?? [];
      assert.equal(ids.length, 10, r.stdout);
      for (const id of ids) {
        assert.ok(!seen.has(id), `${id} issued once`);
        seen.add(id);
      }
    }
  });

  test('participants.json lists every role and a DIP Connection Provider, each with working credentials', () => {
    const held = new Set<string>(market.participants.flatMap((p) => p.roles));
    for (const role of ROLES) assert.ok(held.has(role), `someone holds ${role}`);
    const dcp = market.participants.find((p) => p.roles.includes('DCP'));
    assert.ok(dcp?.actsFor && dcp.actsFor.length > 0, 'a DCP acting for others');
    for (const grant of dcp.actsFor) {
      assert.ok(
        market.participants.some((p) => p.dipId === grant.participant && p.roles.includes(grant.role)),
        `${grant.participant} holds ${grant.role}`,
      );
    }
    const ca = new X509Certificate(readFileSync(market.caCertificatePath));
    const keys = new Set<string>();
    for (const p of market.participants) {
      assert.match(p.dipId, /^[0-9A-Za-z]{10}$/);
      assert.ok(p.apiKey && !keys.has(p.apiKey), `${p.dipId} has its own API key`);
      keys.add(p.apiKey);
      for (const path of [p.certificatePath, p.privateKeyPath])
        assert.ok(isAbsolute(path) && existsSync(path), `${path} exists`);
      const cert = new X509Certificate(readFileSync(p.certificatePath));
      assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), `${p.dipId}'s certificate is issued by the demo CA`);
      assert.ok(
        cert.checkPrivateKey(createPrivateKey(readFileSync(p.privateKeyPath))),
        `${p.dipId}'s key matches its certificate`,
      );
    }
  });

  test('every sample file is accepted when its sender sends it', async () => {
    const files = readdirSync(samples).filter((f) => f.endsWith('.json'));
    assert.ok(files.includes('IF-021.json'));
    const refused: string[] = [];
    for (const file of files) {
      const channel = file.replace(/\.json$/, '');
      const messages = JSON.parse(readFileSync(join(samples, file), 'utf8')) as Message[];
      const s1 = (
        messages[0]!.payload.CommonBlock as { S1: { senderDIPID: string; DIPConnectionProviderID: string | null } }
      ).S1;
      const client = createDipClient(identityFromDemoFile(market, s1.DIPConnectionProviderID ?? s1.senderDIPID));
      try {
        restamp(messages, channel);
        const r = await client.send('POST', `/dip-channel/${channel}`, JSON.stringify(messages));
        if (r.status !== 201) refused.push(`${channel}: ${r.status} ${r.text.slice(0, 300)}`);
      } finally {
        await client.close();
      }
    }
    assert.deepEqual(refused, []);
  });

  test('sending the same file twice without --restamp: the second exits 1 with MSG1006; --json prints the response', async () => {
    const file = join(dataDir, 'once.json');
    writeFileSync(file, readFileSync(join(samples, 'IF-021.json')));
    const args = [
      'send',
      '--participants',
      join(dataDir, 'demo', 'participants.json'),
      '--as',
      '1200000001',
      '--channel',
      'IF-021',
      file,
    ];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /^HTTP 201: 10 of 10 message\(s\) accepted$/m);

    const second = await runCli(args);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stdout, /^HTTP 400: 0 of 10 message\(s\) accepted$/m);
    assert.equal(second.stdout.match(/MSG1006/g)?.length, 10);

    const json = await runCli([...args, '--json']);
    assert.equal(json.code, 1);
    const body = JSON.parse(json.stdout) as { messageArray: { message: string }[]; timestamp: string };
    assert.equal(body.messageArray.length, 10);
    assert.ok(body.messageArray.every((i) => i.message === 'MSG1006 - Sender Unique Reference Duplicated'));
  });

  test('send with a demo file written before the DIP is listening says so instead of failing on the URL', async () => {
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo', 'participants.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const early = join(dataDir, 'early.json');
    writeFileSync(early, JSON.stringify({ ...demo, baseUrl: '' }));
    const r = await runCli([
      'send',
      '--participants',
      early,
      '--as',
      '1200000001',
      '--channel',
      'IF-021',
      join(samples, 'IF-021.json'),
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /names no URL yet: the DIP is still starting \(wait for its banner\), or give --url/);
  });

  test('validate passes a sample file and lists the problems of a broken one', async () => {
    const good = await runCli(['validate', join(samples, 'IF-021.json')]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /^10 of 10 message\(s\) valid$/m);

    const messages = JSON.parse(readFileSync(join(samples, 'IF-021.json'), 'utf8')) as Message[];
    delete (messages[3]!.payload.CommonBlock as Record<string, unknown>).M0;
    (messages[7]!.payload.CommonBlock as { S1: Record<string, unknown> }).S1.environmentTag = 'SIT';
    const file = join(dataDir, 'broken.json');
    writeFileSync(file, JSON.stringify(messages, null, 2));
    const bad = await runCli(['validate', file]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^message 3 \(IF-021 \[ActivePower\]\):\n\s+- .*M0/m);
    assert.match(bad.stdout, /^message 7 \(IF-021 \[ActivePower\]\):\n\s+- .*environmentTag 'SIT'/m);
    assert.match(bad.stdout, /^message 0 \(IF-021 \[ActivePower\]\): OK$/m);
    assert.match(bad.stdout, /^8 of 10 message\(s\) valid$/m);
  });
  test('replay writes what the supplier was sent as JSON lines; requeue sends it again and follows it to Completed', async () => {
    const participants = join(dataDir, 'demo', 'participants.json');
    const out = join(dataDir, 'replayed.jsonl');
    const r = await runCli([
      'replay',
      '--participants',
      participants,
      '--as',
      '1000000001',
      '--channel',
      'IF-021',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            replay: { originalTransactionID: string };
            payload: { CommonBlock: { D0: { replayIndicator: boolean; transactionID: string } } };
          },
      );
    assert.ok(lines.length >= 10, `${lines.length} replayed`);
    assert.ok(
      lines.every(
        (l) =>
          l.payload.CommonBlock.D0.replayIndicator &&
          l.replay.originalTransactionID === l.payload.CommonBlock.D0.transactionID,
      ),
    );
    assert.match(r.stderr, new RegExp(`^replayed ${lines.length} item\\(s\\) in 1 page\\(s\\)$`, 'm'));

    const q = await runCli([
      'requeue',
      '--participants',
      participants,
      '--as',
      '1000000001',
      '--channel',
      'IF-021',
      '--transaction',
      lines[0]!.replay.originalTransactionID,
    ]);
    assert.equal(q.code, 0, q.stdout + q.stderr);
    assert.match(q.stdout, /^requeue 1000000001-\d{8}-[0-9a-f]+$/m);
    assert.match(q.stdout, /^Completed: 1 of 1$/m);

    const refused = await runCli([
      'replay',
      '--participants',
      participants,
      '--as',
      '1000000002',
      '--recipient',
      '1000000001',
      '--channel',
      'IF-021',
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /HTTP 403/);
  });
  test('audit: an operator searches everything beside the store; a participant asks the API and sees its own', async () => {
    const operator = await runCli(['audit', 'messages', '--data-dir', dataDir, '--channel', 'IF-021', '--limit', '3']);
    assert.equal(operator.code, 0, operator.stdout + operator.stderr);
    const lines = operator.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('T-'));
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^T-IF-021-1200000001-SDS-\d{8}-[0-9A-F]{16} {2}\d{4}-\d\d-\d\dT[\d:]{8}\+00:00 {2}IF-021 \[ActivePower\] {2}1200000001 -> \S*1000000001\/SUP/,
    );
    assert.match(operator.stdout, /\(more: --limit, or search after \d+\)/);
    const txn = lines[0]!.split(' ')[0]!;
    const record = await runCli(['audit', 'message', txn, '--data-dir', dataDir]);
    assert.equal(record.code, 0, record.stderr);
    const shown = JSON.parse(record.stdout) as {
      journal: { DIPTransactionID: string };
      evidence: { signerID: string; headers: Record<string, string>; verifies: boolean };
    };
    assert.equal(shown.journal.DIPTransactionID, txn);
    assert.equal(shown.evidence.signerID, '1200000001', 'with the evidence of what the sender signed');
    assert.deepEqual(Object.keys(shown.evidence.headers), [
      'X-DIP-Signature-Date',
      'X-DIP-Content-Hash',
      'X-DIP-Signature-Certificate',
      'X-DIP-Signature',
    ]);
    assert.equal(shown.evidence.verifies, true);

    const participants = join(dataDir, 'demo', 'participants.json');
    const own = await runCli(['audit', 'messages', '--participants', participants, '--as', '1000000001', '--json']);
    assert.equal(own.code, 0, own.stderr);
    const found = (JSON.parse(own.stdout) as { messages: { senderID: string; recipients: { dipId: string }[] }[] })
      .messages;
    assert.ok(
      found.length > 0 &&
        found.every((m) => m.senderID === '1000000001' || m.recipients.some((r) => r.dipId === '1000000001')),
      'only what the supplier sent or was addressed',
    );
    const stranger = await runCli(['audit', 'message', txn, '--participants', participants, '--as', '1800000001']);
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /no message .* that you may see/);
    const calls = await runCli([
      'audit',
      'calls',
      '--participants',
      participants,
      '--as',
      '1200000001',
      '--channel',
      'IF-021',
    ]);
    assert.equal(calls.code, 0, calls.stderr);
    assert.match(
      calls.stdout,
      /^\S+ {2}1200000001 {2}POST \/1\.1\/dip-channel\/IF-021 {2}20[17] {2}.* signed, verifies/m,
    );
  });
});
