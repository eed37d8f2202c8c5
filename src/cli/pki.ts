/**
 * `opendip pki rotate-signing-key`: gives the DIP a new signing key and certificate (webhook calls are
 * signed with it from the next start) and keeps the old key to open the replay continuation tokens it
 * sealed until they expire. Restart the DIP's processes afterwards; tokens outstanding keep continuing.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fingerprintOf } from '../crypto/certificates.js';
import { issueCertificate } from '../crypto/devpki.js';
import { installSigningKey } from '../crypto/signing-keys.js';
import { CONTINUATION_LIFETIME_MS } from '../domain/continuation.js';
import { loadConfig } from '../config/config.js';
import { pkiPaths } from '../demo/market.js';

type Options = {
  dataDir?: string;
  dipKey?: string;
  dipCert?: string;
  caCert?: string;
  caKey?: string;
  newKey?: string;
  newCert?: string;
};

const read = (file: string): string => readFileSync(file, 'utf8');

export function registerPki(program: Command): void {
  program
    .command('pki')
    .description("the DIP's own keys")
    .command('rotate-signing-key')
    .description(
      "replace the DIP's signing key and certificate (issued from the CA, or --new-key/--new-cert), keeping the old key for outstanding continuation tokens",
    )
    .option('--data-dir <dir>', 'data directory whose pki/ holds the keys [OPENDIP_DATA_DIR]')
    .option('--dip-key <pem>', "the DIP's signing key (default: the data directory's pki/dip-key.pem)")
    .option('--dip-cert <pem>', "the DIP's certificate (default: the data directory's pki/dip.pem)")
    .option('--ca-cert <pem>', "the CA's certificate (default: the data directory's pki/ca.pem)")
    .option('--ca-key <pem>', "the CA's private key (default: the data directory's pki/ca-key.pem)")
    .option('--new-key <pem>', 'install this key instead of issuing one (with --new-cert)')
    .option('--new-cert <pem>', 'install this certificate instead of issuing one (with --new-key)')
    .action(async (o: Options) => {
      // The same files `opendip serve` would sign with: flags, else OPENDIP_DIP_KEY/CERT, else the dev PKI.
      const config = loadConfig(o.dataDir ? { dataDir: o.dataDir } : {});
      const paths = pkiPaths(config.dataDir);
      const files = {
        keyFile: o.dipKey ?? config.dipKeyFile ?? paths.dipKey,
        certFile: o.dipCert ?? config.dipCertFile ?? paths.dipCert,
      };
      if (Boolean(o.newKey) !== Boolean(o.newCert)) throw new Error('--new-key and --new-cert go together');
      const commonName = /CN=([^\n,]+)/.exec(new X509Certificate(read(files.certFile)).subject)?.[1] ?? 'OpenDIP';
      const next =
        o.newKey && o.newCert
          ? { privateKeyPem: read(o.newKey), certificatePem: read(o.newCert) }
          : await issueCertificate(
              { certificatePem: read(o.caCert ?? paths.caCert), privateKeyPem: read(o.caKey ?? paths.caKey) },
              { commonName, usage: 'client' },
            );
      const fresh = new X509Certificate(next.certificatePem);
      if (!fresh.checkPrivateKey(createPrivateKey(next.privateKeyPem))) {
        throw new Error('the new key is not the key of the new certificate');
      }
      const done = installSigningKey(files, next, Date.now());
      const hours = CONTINUATION_LIFETIME_MS / 3_600_000;
      process.stdout.write(
        `new signing certificate ${fingerprintOf(fresh)} in ${files.certFile}; the old key is kept in ${done.retired} ` +
          `for ${hours} h to open continuation tokens it sealed${done.removed ? ` (${done.removed} expired retired keys removed)` : ''}. ` +
          'Restart every DIP process to sign with the new key.\n',
      );
    });
}
