/**
 * A demo market's development PKI laid into a data directory before its first start, so that start registers
 * the demo participants with keys made once for the whole test run (test/helpers/pki.ts caches them) instead
 * of generating 21 RSA keys, several seconds of CPU, for every test that starts a fresh demo. The start still
 * does everything else a first start does; only the keys are reused, by the path the product takes for a
 * data directory that already holds them (src/demo/participant-keys.ts, ensureDevPki). A fresh data directory
 * without them, where `opendip serve` makes its own, is what test/e2e/cli.test.ts starts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkiPaths } from '../../src/demo/market.js';
import { testPki } from '../helpers/pki.js';

/** Writes the CA, the TLS server and DIP certificates and every demo participant's pair under dataDir/pki. */
export async function seedDemoPki(dataDir: string): Promise<string> {
  const pki = await testPki();
  const paths = pkiPaths(dataDir);
  mkdirSync(join(paths.dir, 'participants'), { recursive: true });
  const write = (cert: string, key: string, pair: { certificatePem: string; privateKeyPem: string }): void => {
    writeFileSync(cert, pair.certificatePem);
    writeFileSync(key, pair.privateKeyPem, { mode: 0o600 });
  };
  write(paths.caCert, paths.caKey, pki.ca);
  write(paths.serverCert, paths.serverKey, pki.server);
  write(paths.dipCert, paths.dipKey, pki.dip);
  for (const [dipId, pair] of Object.entries(pki.participants))
    write(join(paths.dir, 'participants', `${dipId}.pem`), join(paths.dir, 'participants', `${dipId}-key.pem`), pair);
  return dataDir;
}
