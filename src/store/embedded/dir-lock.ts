/**
 * @module
 * One process per data directory. Two engines appending to one WAL would interleave records
 * and corrupt it, so opening takes `<dataDir>/LOCK`, a file holding the owner's pid. Node has no
 * flock(2); a lock left by a process that died (kill -9) is recognised as stale because its pid
 * no longer runs, and is taken over. The same process may reopen its own directory (the crash
 * tests open a second engine without closing the first, as a restart after kill -9 would).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OpsError } from '../../contract/index.ts';

export const LOCK_FILE = 'LOCK';

/** Takes the directory's lock; returns the function that releases it. */
export function acquireDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => releaseIfOurs(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OpsError('STORE_IO', `cannot create lock file ${path}`, { cause: err });
      }
    }
    const owner = readOwner(path);
    if (owner === process.pid) return () => releaseIfOurs(path);
    if (owner !== undefined && isRunning(owner)) {
      throw new OpsError(
        'STORE_IO',
        `data directory ${dataDir} is in use by another opsight process (pid ${owner}); stop it or choose another --data-dir`,
        { items: [{ field: 'dataDir', reason: `locked by pid ${owner} (${path})` }] },
      );
    }
    // Stale: its owner is gone. Remove it and try once more (a racing opener may win).
    rmSync(path, { force: true });
  }
  throw new OpsError('STORE_IO', `could not take the lock ${path}: another process took it first`);
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Vanished or unreadable between open and read: treat as stale.
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; ESRCH: no such process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(path: string): void {
  if (readOwner(path) === process.pid) rmSync(path, { force: true });
}
