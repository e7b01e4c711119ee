/**
 * One writer per database: `daemon` and `run` take `<db>.lock` (holding their pid) before touching the
 * file. Without it a second process would, at its start-up, mark the first one's running epoch as
 * `interrupted`. A lock left by a process that no longer exists (kill -9) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '../exec/index.js';
import { UsageError } from './args.js';

export interface DbLock {
  path: string;
  release(): void;
}

export function lockDatabase(dbFile: string): DbLock {
  const path = `${dbFile}.lock`;
  mkdirSync(dirname(dbFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { path, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        /* vanished meanwhile: retry */
      }
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new UsageError(`option --db: ${dbFile} is in use by another allocsoak process (pid ${holder}, lock ${path})`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
