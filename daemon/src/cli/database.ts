/**
 * The database a command names with --db. Every way the path can be wrong — a directory, a file that is
 * not a database, a place where nothing may be created — is a UsageError (exit 2) naming the option, the
 * value and what was expected; and a command that fails before it starts leaves no file behind (no
 * database, -wal, -shm or .lock, no directory it created for them).
 */
import { existsSync, mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../domain/parameters.js';
import type { Logger } from '../log/index.js';
import { openStore, type Store } from '../storage/index.js';
import { positiveInt, UsageError } from './args.js';
import { lockDatabase, type DbLock } from './db-lock.js';

const FS_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
};

const SQLITE_REASONS: Readonly<Record<string, string>> = {
  SQLITE_NOTADB: 'not an SQLite database',
  SQLITE_CORRUPT: 'a corrupt SQLite database',
  SQLITE_CANTOPEN: 'cannot be opened',
  SQLITE_READONLY: 'read-only',
  SQLITE_PERM: 'permission denied',
};

/** Why opening failed, in a few words (the error's own message as the last resort). */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (FS_REASONS[code] !== undefined) return FS_REASONS[code];
  const sqlite = SQLITE_REASONS[code] ?? SQLITE_REASONS[code.replace(/_[A-Z]+$/, '')];
  if (sqlite !== undefined) return `${sqlite}: ${message}`;
  return message;
}

function dbError(command: string, file: string, expected: string, why: string): UsageError {
  return new UsageError(`${command}: option --db expects ${expected}, got ${JSON.stringify(file)} (${why})`);
}

/** A path that exists must be a regular file. */
function checkExistingPath(command: string, file: string): void {
  const st = statSync(file);
  if (st.isDirectory()) throw dbError(command, file, 'a database file', 'a directory');
  if (!st.isFile()) throw dbError(command, file, 'a database file', 'not a regular file');
}

/** The files SQLite may create next to a database. */
function companions(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/** Removes what this process created: files that did not exist before, then directories it made (if empty). */
function removeCreated(existedBefore: ReadonlySet<string>, files: readonly string[], createdDir: string | undefined, parent: string): void {
  for (const f of files) if (!existedBefore.has(f)) rmSync(f, { force: true });
  if (createdDir === undefined) return;
  // mkdir -p made createdDir and everything below it down to the database's directory.
  for (let dir = parent; dir.startsWith(createdDir); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty (someone else's files): leave it
    }
    if (dir === createdDir) return;
  }
}

export interface DaemonStore {
  store: Store;
  /** Close the database and release its lock. */
  close(): void;
  /** Close, and remove every file and directory this process created for the database (a start that failed). */
  discard(): void;
}

/**
 * For `daemon` and `run`: the database, created if missing (with its directory), locked for this process
 * (db-lock.ts), migrated, with epochs cut by a killed daemon marked `interrupted`.
 */
export function openStoreForDaemon(command: string, file: string, log: Logger): DaemonStore {
  const path = resolve(file);
  const parent = dirname(path);
  const files = companions(path);
  const existedBefore = new Set(files.filter((f) => existsSync(f)));
  if (existedBefore.has(path)) checkExistingPath(command, file);

  let createdDir: string | undefined;
  if (!existsSync(parent)) {
    try {
      createdDir = mkdirSync(parent, { recursive: true });
    } catch (err) {
      throw dbError(command, file, 'a file in a directory that exists or can be created', `cannot create ${parent}: ${reason(err)}`);
    }
  } else if (!statSync(parent).isDirectory()) {
    throw dbError(command, file, 'a file in a directory', `${parent} is not a directory`);
  }
  const cleanup = (): void => removeCreated(existedBefore, files, createdDir, parent);

  let lock: DbLock;
  try {
    lock = lockDatabase(file);
  } catch (err) {
    cleanup();
    if (err instanceof UsageError) throw new UsageError(`${command}: ${err.message}`);
    throw dbError(command, file, 'a database file in a writable place', `cannot create ${file}.lock: ${reason(err)}`);
  }
  let store: Store;
  try {
    store = openStore(file);
  } catch (err) {
    lock.release();
    cleanup();
    throw dbError(command, file, 'an allocsoak database (an SQLite file) or a new file in a writable place', reason(err));
  }
  if (store.migration && store.migration.applied.length > 0) log.info({ db: file, applied: store.migration.applied }, 'database migrated');
  const interrupted = store.epochs.markRunningInterrupted();
  if (interrupted > 0) log.warn({ db: file, epochs: interrupted }, 'epochs left running by a previous daemon marked interrupted');
  const close = (): void => {
    store.close();
    lock.release();
  };
  return {
    store,
    close,
    discard: () => {
      close();
      cleanup();
    },
  };
}

/**
 * For `report`, `compare`, `drift` and `serve`: a database that exists (created by `daemon` or `run`).
 * Nothing is created; a file that is not a database is refused with its path.
 */
export function openExistingStore(command: string, file: string): Store {
  if (!existsSync(file)) throw dbError(command, file, 'an existing database file', 'no such file');
  checkExistingPath(command, file);
  const path = resolve(file);
  const files = companions(path);
  const existedBefore = new Set(files.filter((f) => existsSync(f)));
  try {
    return openStore(file);
  } catch (err) {
    for (const f of files) if (!existedBefore.has(f)) rmSync(f, { force: true });
    throw dbError(command, file, 'an allocsoak database (an SQLite file)', reason(err));
  }
}

/** A campaign id given with --campaign must name a campaign of the database. */
export function requireCampaign(command: string, store: Store, file: string, id: number): void {
  if (store.campaigns.get(id) !== undefined) return;
  const known = store.campaigns.list({ limit: 10 }).map((c) => c.id);
  const which = known.length === 0 ? 'it has none' : `the most recent: ${known.join(', ')}`;
  throw new UsageError(`${command}: option --campaign expects the id of a campaign in ${file} (${which}), got ${id}`);
}

/**
 * A command that reads an existing database (--db) and, when --campaign is given, one campaign of it, checked
 * before `read` runs. The store is closed afterwards; a parameter the verdicts refuse (an unknown variant, a
 * bad time) is a UsageError naming the option, as every other bad option is.
 */
export function readDatabase<T>(
  command: string,
  opts: { db: string; campaign?: string | undefined },
  read: (store: Store, campaign: number | undefined) => T,
): T {
  const campaign = opts.campaign === undefined ? undefined : positiveInt(command, 'campaign', opts.campaign);
  const store = openExistingStore(command, opts.db);
  try {
    if (campaign !== undefined) requireCampaign(command, store, opts.db, campaign);
    return read(store, campaign);
  } catch (err) {
    if (err instanceof InputError) throw new UsageError(`${command}: option --${err.parameter}: ${err.detail}`);
    throw err;
  } finally {
    store.close();
  }
}
