/** Opening the SQLite file with the settings allocsoak relies on for durability. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

export interface OpenOptions {
  /** How long a writer waits for another connection's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/**
 * Opens (creating it and its parent directories if needed) the database file.
 * WAL + synchronous=FULL: every committed transaction is on disk before commit returns, so a kill -9 or a
 * power cut loses nothing that was reported as stored.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:' && opts.readonly !== true) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true });
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  if (opts.readonly !== true) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  return db;
}
