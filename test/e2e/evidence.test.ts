/**
 * Evidence for repudiation over real sockets (seed §7): the audit record of an accepted message shows the
 * four signature headers exactly as the sender sent them, the certificate's fingerprint, the body's
 * SHA-256 and whether all of it still verifies; a stored value altered afterwards makes it say it does not.
 * Everything expected is computed here from what the test sent, independently of the DIP's own code.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { participantSignature } from '../helpers/signer.js';

const SDS = '1200000001';
const SUP = '1000000001';
const REGS = '1100000001';
const MPAN = '1900000000013';

interface Evidence {
  signerID: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  certificateHeader: string;
  certificateFingerprint: string;
  bodySHA256: string;
  verifies: boolean;
  checks: { signature: boolean; contentHash: boolean; certificateFingerprint: boolean };
}
type AuditRecord = { message: { transactionID: string }; evidence: Evidence | null };

let t: TestDip;
let db: Database.Database;

const get = (as: string, path: string): Promise<Reply> =>
  t.send({ as, method: 'GET', channel: 'AUDIT', path, body: undefined, transport: 'socket' });
const recordOf = async (as: string, transactionId: string): Promise<AuditRecord> => {
  const r = await get(as, `/1.1/audit/messages/${transactionId}`);
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text) as AuditRecord;
};
/** The SHA-256 of a certificate's DER as lower-case hex, from Node's own fingerprint. */
const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** Sends a signed batch over a socket with headers made here, and returns them with the body and the answer. */
async function sendSigned(count: number, options: { legacy?: boolean } = {}) {
  const body = JSON.stringify(t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', mpan: MPAN }, count));
  const url = `${t.origin}/1.1/dip-channel/IF-021`;
  const own = t.pki.participants[SDS]!;
  const headers = participantSignature({
    method: 'POST',
    url,
    body,
    keyPem: own.privateKeyPem,
    certPem: own.certificatePem,
    legacyCertificateHeader: options.legacy,
  });
  const reply = await t.send({
    as: SDS,
    channel: 'IF-021',
    body: undefined,
    raw: body,
    headers,
    transport: 'socket',
    ...(options.legacy ? { legacyCertificateHeader: true } : {}),
  });
  assert.equal(reply.status, 201, reply.text);
  return { body, url, headers, reply, transactionIds: reply.json.messageArray.map((m) => m.transactionID!) };
}

/** Changes one stored value of the evidence of a transaction's request, as someone with the database could. */
const tamper = (transactionId: string, column: string, value: string): void => {
  const changed = db
    .prepare(
      `UPDATE call_evidence SET ${column} = ? WHERE request_id = (SELECT request_id FROM messages WHERE transaction_id = ?)`,
    )
    .run(value, transactionId);
  assert.equal(changed.changes, 1);
};

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  await t.appoint(MPAN, 'SUP', SUP);
  db = new Database(join(t.dataDir, 'opendip.db'));
  db.pragma('busy_timeout = 5000');
});
after(async () => {
  db.close();
  await t.close();
});

test('an accepted message’s audit record shows the headers as sent, the certificate’s fingerprint, the body’s SHA-256, and that it verifies', async () => {
  const sent = await sendSigned(3);
  const expected = {
    signerID: SDS,
    method: 'POST',
    url: sent.url,
    headers: sent.headers,
    certificateHeader: 'X-DIP-Signature-Certificate',
    certificateFingerprint: fingerprint(t.pki.participants[SDS]!.certificatePem),
    bodySHA256: createHash('sha256').update(sent.body).digest('hex'),
    verifies: true,
    checks: { signature: true, contentHash: true, certificateFingerprint: true },
  };
  for (const txn of sent.transactionIds) {
    const record = await recordOf(SDS, txn);
    assert.equal(record.message.transactionID, txn);
    assert.deepEqual(record.evidence, expected, 'every message of the batch carries the batch’s evidence');
  }
  assert.deepEqual(
    (await recordOf(SUP, sent.transactionIds[0]!)).evidence,
    expected,
    'a recipient sees what the sender signed',
  );
  assert.equal(
    (await get(REGS, `/1.1/audit/messages/${sent.transactionIds[0]}`)).status,
    204,
    'a stranger sees nothing',
  );

  const search = await get(SDS, `/1.1/audit/messages?journal=true&transactionID=${sent.transactionIds[1]}`);
  const found = (JSON.parse(search.text) as { messages: { transactionID: string; evidence: Evidence }[] }).messages;
  assert.deepEqual(
    found.map((m) => [m.transactionID, m.evidence]),
    [[sent.transactionIds[1], expected]],
    'a search with journals shows it too',
  );
  const plain = (
    JSON.parse((await get(SDS, `/1.1/audit/messages?transactionID=${sent.transactionIds[1]}`)).text) as {
      messages: object[];
    }
  ).messages;
  assert.equal('evidence' in plain[0]!, false, 'a search without journals lists summaries only');

  const calls = (
    JSON.parse((await get(SDS, '/1.1/audit/calls?channel=IF-021&limit=1')).text) as {
      calls: { path: string; evidence: Evidence }[];
    }
  ).calls;
  assert.deepEqual(
    calls.map((c) => [c.path, c.evidence]),
    [['/1.1/dip-channel/IF-021', expected]],
    'the call listing shows the call’s evidence',
  );
});

test('the legacy X-DIP-Certificate header is recorded under its own name', async () => {
  const sent = await sendSigned(1, { legacy: true });
  assert.ok('X-DIP-Certificate' in sent.headers && !('X-DIP-Signature-Certificate' in sent.headers));
  const { evidence } = await recordOf(SDS, sent.transactionIds[0]!);
  assert.equal(evidence!.certificateHeader, 'X-DIP-Certificate');
  assert.deepEqual(evidence!.headers, sent.headers, 'the four headers, the certificate under the name it came in');
  assert.equal(evidence!.verifies, true);
});

test('a stored value altered afterwards makes the record say it no longer verifies, and which check fails', async () => {
  const other = t.pki.participants[SUP]!.certificatePem;
  const cases: { column: string; value: string; failed: (keyof Evidence['checks'])[] }[] = [
    { column: 'signature_date', value: new Date(Date.now() - 60_000).toISOString(), failed: ['signature'] },
    { column: 'signed_url', value: `${t.origin}/1.1/dip-channel/IF-013`, failed: ['signature'] },
    {
      column: 'body_sha256',
      value: createHash('sha256').update('something else').digest('hex'),
      failed: ['contentHash'],
    },
    {
      column: 'certificate',
      value: Buffer.from(other).toString('base64'),
      failed: ['signature', 'certificateFingerprint'],
    },
    { column: 'certificate_fingerprint', value: fingerprint(other), failed: ['certificateFingerprint'] },
  ];
  for (const c of cases) {
    // A batch of its own for each alteration; its messages share one evidence row.
    const sent = await sendSigned(2);
    assert.equal((await recordOf(SDS, sent.transactionIds[1]!)).evidence!.verifies, true, 'before: it verifies');
    tamper(sent.transactionIds[0]!, c.column, c.value);
    for (const txn of sent.transactionIds) {
      const { evidence } = await recordOf(SDS, txn);
      assert.equal(evidence!.verifies, false, `${c.column} altered`);
      assert.deepEqual(
        Object.entries(evidence!.checks)
          .filter(([, ok]) => !ok)
          .map(([k]) => k),
        c.failed,
        `${c.column} altered`,
      );
    }
  }
});

test('other signed calls keep their evidence on their call record; refused ones before verification have none', async () => {
  const config = JSON.stringify({ callbackURL: 'https://hooks.example/sup' });
  const path = `/1.1/dip-channel/IF-021/pubconfig/${SUP}`;
  const webhook = await t.send({ as: SUP, channel: 'IF-021', path, body: undefined, raw: config, transport: 'socket' });
  assert.equal(webhook.status, 201, webhook.text);
  const removed = await t.send({
    as: SUP,
    method: 'DELETE',
    channel: 'IF-021',
    path,
    body: undefined,
    transport: 'socket',
  });
  assert.equal(removed.status, 204, removed.text);
  const forged = await t.send({
    as: SUP,
    channel: 'IF-021',
    path,
    body: undefined,
    raw: config,
    transport: 'socket',
    signedUrl: `${t.origin}/elsewhere`,
  });
  assert.equal(forged.status, 401);
  await t.dip.callLog.flush();

  const calls = (
    JSON.parse((await get(SUP, '/1.1/audit/calls?limit=10')).text) as {
      calls: { method: string; path: string; status: number; evidence: Evidence | null }[];
    }
  ).calls;
  const of = (method: string, status: number) =>
    calls.find((c) => c.method === method && c.path === path && c.status === status);
  const saved = of('POST', 201)!.evidence!;
  assert.equal(saved.url, `${t.origin}${path}`);
  assert.equal(saved.bodySHA256, createHash('sha256').update(config).digest('hex'));
  assert.equal(saved.verifies, true);
  assert.deepEqual([of('DELETE', 204)!.evidence!.method, of('DELETE', 204)!.evidence!.verifies], ['DELETE', true]);
  // A refused caller is nobody's: only the operator's view of all calls shows it.
  const refused = (await t.dip.store.searchCalls({}, null, null, 20)).find((c) => c.path === path && c.status === 401);
  assert.equal(refused!.evidence, null, 'a signature the DIP could not verify is no evidence');
});
