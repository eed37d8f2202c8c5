import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';
import { certificateProblem, parseCertificateHeader } from '../../src/crypto/certificates.js';
import {
  contentHash,
  encodeCertificateHeader,
  isStandardBase64,
  signRequest,
  stringToSign,
  verifyRequestSignature,
} from '../../src/crypto/signing.js';
import { participantSignature } from '../helpers/signer.js';
import { testPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

test('the string to sign is the documented one, URL lower-cased', () => {
  assert.equal(contentHash(''), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  assert.equal(
    stringToSign(
      'post',
      'https://API.sit.example-dip.test/1.1/dip-channel/IF-033',
      '2025-06-27T14:29:09.061Z',
      contentHash(''),
    ),
    'POST;https://api.sit.example-dip.test/1.1/dip-channel/if-033;2025-06-27T14:29:09.061Z;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  );
});

test("OpenDIP's signer and a participant's signer written from the documentation agree byte for byte", () => {
  const p = pki.participants['1000000001']!;
  const args = { method: 'POST', url: 'https://dip.test/1.1/dip-channel/IF-024', body: '[{"payload":{}}]' };
  const date = '2026-01-02T03:04:05.678Z';
  const ours = signRequest({
    ...args,
    privateKey: p.privateKeyPem,
    certificatePem: p.certificatePem,
    now: new Date(date),
  });
  const theirs = participantSignature({ ...args, keyPem: p.privateKeyPem, certPem: p.certificatePem, date });
  assert.deepEqual({ ...ours }, theirs);
  const cert = parseCertificateHeader(ours['X-DIP-Signature-Certificate'])!;
  assert.ok(
    verifyRequestSignature({
      ...args,
      date,
      hash: ours['X-DIP-Content-Hash'],
      signature: ours['X-DIP-Signature'],
      publicKey: cert.publicKey,
    }),
  );
  assert.ok(
    !verifyRequestSignature({
      ...args,
      url: `${args.url}x`,
      date,
      hash: ours['X-DIP-Content-Hash'],
      signature: ours['X-DIP-Signature'],
      publicKey: cert.publicKey,
    }),
  );
  assert.ok(
    !verifyRequestSignature({
      ...args,
      date,
      hash: ours['X-DIP-Content-Hash'],
      signature: 'not base64 of anything',
      publicKey: cert.publicKey,
    }),
  );
});

test('certificate headers are base64 of the PEM with \\n line endings; bare base64 DER is read too', () => {
  const pem = pki.ca.certificatePem;
  assert.equal(encodeCertificateHeader(pem.replace(/\n/g, '\r\n')), Buffer.from(pem).toString('base64'));
  const der = new X509Certificate(pem).raw.toString('base64');
  assert.equal(parseCertificateHeader(der)?.fingerprint256, new X509Certificate(pem).fingerprint256);
  assert.equal(parseCertificateHeader('bm90IGEgY2VydGlmaWNhdGU='), null);
});

test('certificates are checked for validity period and issuer', () => {
  const anchors = [new X509Certificate(pki.ca.certificatePem)];
  const now = Date.now();
  assert.equal(
    certificateProblem(new X509Certificate(pki.participants['1000000001']!.certificatePem), anchors, now),
    null,
  );
  assert.equal(certificateProblem(new X509Certificate(pki.expired.certificatePem), anchors, now), 'expired');
  assert.equal(certificateProblem(new X509Certificate(pki.notYetValid.certificatePem), anchors, now), 'not-yet-valid');
  assert.equal(certificateProblem(new X509Certificate(pki.untrusted.certificatePem), anchors, now), 'untrusted-issuer');
});

test('signatures and certificates are standard base64 or nothing: bytes inserted or appended are not skipped over', () => {
  const p = pki.participants['1000000001']!;
  const args = { method: 'POST', url: 'https://dip.test/1.1/dip-channel/IF-024', body: '[]' };
  const signed = signRequest({ ...args, privateKey: p.privateKeyPem, certificatePem: p.certificatePem });
  const publicKey = parseCertificateHeader(signed['X-DIP-Signature-Certificate'])!.publicKey;
  const verifies = (signature: string) =>
    verifyRequestSignature({
      ...args,
      date: signed['X-DIP-Signature-Date'],
      hash: signed['X-DIP-Content-Hash'],
      signature,
      publicKey,
    });
  const sig = signed['X-DIP-Signature'];
  assert.ok(verifies(sig));
  for (const altered of [
    `${sig}AAAA`,
    `${sig}!`,
    `${sig.slice(0, 8)}\t${sig.slice(8)}`,
    `${sig.slice(0, 8)} ${sig.slice(8)}`,
    `${sig.slice(0, 8)}\u00e9${sig.slice(8)}`,
    sig.replace(/=+$/, ''),
  ]) {
    assert.equal(verifies(altered), false, JSON.stringify(altered.slice(-12)));
  }
  const cert = signed['X-DIP-Signature-Certificate'];
  assert.ok(parseCertificateHeader(` ${cert} `), 'surrounding whitespace is not part of the value');
  assert.equal(parseCertificateHeader(`${cert.slice(0, 40)} ${cert.slice(40)}`), null);
  assert.equal(parseCertificateHeader(`${cert.slice(0, 40)}*${cert.slice(40)}`), null);
  assert.equal(isStandardBase64(''), false);
  assert.equal(isStandardBase64('QQ=='), true);
  assert.equal(isStandardBase64('QQ'), false);
});
