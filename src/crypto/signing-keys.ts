/**
 * The DIP's own signing key and the keys a rotation retired. The DIP signs webhook calls (messages and
 * status messages, verified by recipients against the CA, so a new key needs nothing of them) and seals
 * replay continuation tokens with a key derived from its signing key; a retired key is kept beside the
 * current one, in `retired-signing-keys/<retired at, epoch ms>.pem`, only to open the tokens it sealed
 * until they expire.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONTINUATION_LIFETIME_MS, continuationKeyOf, type ContinuationKeys } from '../domain/continuation.js';

export const retiredKeysDirectory = (keyFile: string): string => join(dirname(keyFile), 'retired-signing-keys');

/** Retired keys still opening tokens at `now`, newest first. */
function retiredKeys(keyFile: string, now: number): { file: string; retiredAt: number }[] {
  const dir = retiredKeysDirectory(keyFile);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.pem$/.test(f))
    .map((f) => ({ file: join(dir, f), retiredAt: Number(f.slice(0, -4)) }))
    .filter((k) => now < k.retiredAt + CONTINUATION_LIFETIME_MS)
    .sort((a, b) => b.retiredAt - a.retiredAt);
}

/** The continuation keys of the signing key in `keyFile` and of those it replaced whose tokens may be out. */
export function continuationKeysFor(keyFile: string, now: number): ContinuationKeys {
  return {
    current: continuationKeyOf(readFileSync(keyFile, 'utf8')),
    previous: retiredKeys(keyFile, now).map((k) => continuationKeyOf(readFileSync(k.file, 'utf8'))),
  };
}

/**
 * Puts a new key and certificate in place of the current ones, keeping the old key among the retired.
 * The old key is copied aside before the new one is written and each file is replaced by a rename, so a
 * kill -9 at any point leaves either the old key current (perhaps also retired: harmless) or the new one
 * current with the old retired. Retired keys whose tokens have all expired are deleted.
 */
export function installSigningKey(
  files: { keyFile: string; certFile: string },
  next: { privateKeyPem: string; certificatePem: string },
  now: number,
): { retired: string; removed: number } {
  const dir = retiredKeysDirectory(files.keyFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const retired = join(dir, `${now}.pem`);
  writeFileSync(`${retired}.tmp`, readFileSync(files.keyFile), { mode: 0o600 });
  renameSync(`${retired}.tmp`, retired);
  writeFileSync(`${files.certFile}.tmp`, next.certificatePem);
  writeFileSync(`${files.keyFile}.tmp`, next.privateKeyPem, { mode: 0o600 });
  renameSync(`${files.keyFile}.tmp`, files.keyFile);
  renameSync(`${files.certFile}.tmp`, files.certFile);
  const kept = new Set(retiredKeys(files.keyFile, now).map((k) => k.file));
  let removed = 0;
  for (const f of readdirSync(dir).filter((x) => /^\d+\.pem$/.test(x))) {
    if (!kept.has(join(dir, f))) {
      rmSync(join(dir, f));
      removed++;
    }
  }
  return { retired, removed };
}
