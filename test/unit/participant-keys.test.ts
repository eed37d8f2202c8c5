/** A demo participant keeps the key and certificate already in its data directory only while they are good for the market. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KeyAndCertificate } from '../../src/crypto/devpki.js';
import { participantPair, usableParticipantPair } from '../../src/demo/participant-keys.js';
import { testPki } from '../helpers/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'opendip-participant-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** The pair written where the demo keeps a participant's files. */
function laid(certificatePem: string, privateKeyPem: string) {
  const paths = { certificatePath: join(dir, `${++n}.pem`), privateKeyPath: join(dir, `${n}-key.pem`) };
  writeFileSync(paths.certificatePath, certificatePem);
  writeFileSync(paths.privateKeyPath, privateKeyPem);
  return paths;
}
const pairOf = (p: KeyAndCertificate) => laid(p.certificatePem, p.privateKeyPem);

test('a pair issued by the CA for the participant, valid and matching its key, is kept as it is', async () => {
  const pki = await testPki();
  const own = pki.participants['1000000001']!;
  assert.deepEqual(usableParticipantPair(pki.ca, '1000000001', pairOf(own)), own);
});

test('a pair for someone else, from another CA, out of its validity or with the wrong key is not', async () => {
  const pki = await testPki();
  const own = pki.participants['1000000001']!;
  const other = pki.participants['1000000002']!;
  const refused = {
    'another participant': pairOf(other),
    'another CA': pairOf(pki.untrusted),
    expired: pairOf(pki.expired),
    'not yet valid': pairOf(pki.notYetValid),
    'a key that is not its own': laid(own.certificatePem, other.privateKeyPem),
    'not PEM': laid('garbage', 'garbage'),
    missing: { certificatePath: join(dir, 'none.pem'), privateKeyPath: join(dir, 'none-key.pem') },
  };
  for (const [what, paths] of Object.entries(refused))
    assert.equal(usableParticipantPair(pki.ca, '1000000001', paths), null, what);
  const soon = Date.now() + 824 * 86_400_000;
  assert.equal(usableParticipantPair(pki.ca, '1000000001', pairOf(own), soon), null, 'about to expire');
});

test('where no usable pair is laid, a new one is issued by the CA for the participant', async () => {
  const pki = await testPki();
  const issued = await participantPair(pki.ca, '1000000001', pairOf(pki.untrusted));
  const cert = new X509Certificate(issued.certificatePem);
  assert.ok(cert.checkIssued(new X509Certificate(pki.ca.certificatePem)));
  assert.match(cert.subject, /^CN=1000000001$/m);
  assert.notEqual(issued.privateKeyPem, pki.untrusted.privateKeyPem);
});
