/**
 * Online backup: SQLite's backup API (better-sqlite3's `db.backup()`) copies the database page by page
 * from its own read transaction, so a daemon writing to it (WAL) goes on writing and the copy is the
 * database as it was at one commit. The copy is written under a temporary name next to the target and
 * linked to the target's name when it is whole and passes `PRAGMA integrity_check`; a failed backup leaves nothing.
 */
import Database from 'better-sqlite3';
import { linkSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface BackupResult {
  /** Pages copied. */
  pages: number;
  bytes: number;
  /** Rows of the copy: what it holds. */
  campaigns: number;
  epochs: number;
  /** Epochs of the copy whose outcome is `completed`. */
  completed_epochs: number;
  samples: number;
  schema_version: number;
}

/** `PRAGMA integrity_check` of a database file: ['ok'] when it is sound, else SQLite's list of problems. */
export function integrityCheck(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/** What an allocsoak database holds (counts), read from `db`. */
function contents(db: Database.Database): Omit<BackupResult, 'pages' | 'bytes'> {
  const count = (sql: string): number => db.prepare<[], { n: number }>(sql).get()?.n ?? 0;
  return {
    campaigns: count('SELECT COUNT(*) AS n FROM campaigns'),
    epochs: count('SELECT COUNT(*) AS n FROM epochs'),
    completed_epochs: count(`SELECT COUNT(*) AS n FROM epochs WHERE outcome = 'completed'`),
    samples: count('SELECT COUNT(*) AS n FROM samples'),
    schema_version: db.pragma('user_version', { simple: true }) as number,
  };
}

/**
 * Copies the database `source` (which must exist; another process may be writing to it) to `target`
 * (which must not exist; its directory must). Throws with SQLite's or the file system's error otherwise;
 * an error whose `code` is a string (SQLITE_NOTADB, ENOSPC, ...) says what went wrong.
 */
export async function backupDatabase(source: string, target: string): Promise<BackupResult> {
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  // Read-write so that SQLite may create the -shm of a database no daemon has open; nothing is written.
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Fails with SQLITE_NOTADB on a file that is not a database, before anything is written.
    db.pragma('user_version', { simple: true });
    const progress = await db.backup(partial);
    // The copy inherits WAL mode; a backup is one self-contained file (no -wal or -shm to carry along).
    const writable = new Database(partial, { fileMustExist: true });
    try {
      writable.pragma('journal_mode = DELETE');
    } finally {
      writable.close();
    }
    const problems = integrityCheck(partial);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new Error(`the copy fails PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}`);
    }
    const copy = new Database(partial, { readonly: true, fileMustExist: true });
    let result: BackupResult;
    try {
      const pageSize = copy.pragma('page_size', { simple: true }) as number;
      result = { pages: progress.totalPages, bytes: progress.totalPages * pageSize, ...contents(copy) };
    } finally {
      copy.close();
    }
    // link + unlink, not rename: a file that appeared at `target` meanwhile is never replaced (EEXIST).
    linkSync(partial, target);
    return result;
  } finally {
    db.close();
    for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(f, { force: true });
  }
}
