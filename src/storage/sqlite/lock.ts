/**
 * One process owns an embedded data directory. The lock is an exclusive SQLite lock on
 * DATA_DIR/opendip.lock: the operating system releases it when the process dies, however it dies, so
 * there is never a stale lock to clear and no race in taking one over. DATA_DIR/opendip.pid says who holds it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export class DataDirInUseError extends Error {}

export function lockDataDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'opendip.lock');
  const pidPath = join(dir, 'opendip.pid');
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // In exclusive locking mode the lock taken by the first write transaction is kept until close.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    let holder = 'another process';
    try {
      holder = `process ${readFileSync(pidPath, 'utf8').trim()}`;
    } catch {
      // the holder has not written its pid yet
    }
    throw new DataDirInUseError(
      `data directory ${dir} is in use by OpenDIP ${holder}, which holds ${lockPath}; stop it or use another --data-dir`,
    );
  }
  writeFileSync(pidPath, String(process.pid));
  return () => {
    rmSync(pidPath, { force: true });
    db.close();
  };
}
