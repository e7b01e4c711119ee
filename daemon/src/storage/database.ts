/** Opening the SQLite file with the settings allocsoak relies on for durability. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Each connection's page cache, in KiB. better-sqlite3 builds SQLite with 16,000 KiB per connection, held in
 * anonymous memory and never given back: every full read of the epochs table (a judgement over a campaign, the
 * epoch list) left its pages there, so the daemon's RSS grew with its history, up to that bound on each connection
 * (measured with `npm run bench:footprint`: docs/daemon.md). The file's pages stay in the kernel's page
 * cache anyway, so a read past this cache costs a copy, not a disk access.
 */
export const PAGE_CACHE_KIB = 256;

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
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  return db;
}
