/**
 * Schema migrations: migrations/NNN_name.sql applied in order above PRAGMA user_version, each in its own
 * transaction together with the user_version bump, so a crash leaves the database at a whole version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths/index.js';
import type { Db } from './database.js';

export interface Migration {
  version: number;
  file: string;
  path: string;
}

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'migrations');
}

const MIGRATION_FILE_RE = /^(\d{3})_[A-Za-z0-9_.-]+\.sql$/;

/** The migration files of `dir`, by version. Duplicate numbers are an error. */
export function listMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new MigrationError(`migrations directory ${dir} is not readable: ${(err as Error).message}`);
  }
  const out: Migration[] = [];
  for (const file of names.sort()) {
    const m = MIGRATION_FILE_RE.exec(file);
    if (m === null) continue;
    const version = Number(m[1]);
    const dup = out.find((x) => x.version === version);
    if (dup !== undefined) throw new MigrationError(`migrations ${dup.file} and ${file} have the same number ${m[1]}`);
    out.push({ version, file, path: join(dir, file) });
  }
  return out;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the database's user_version. Refuses a database newer than the code. */
export function migrate(db: Db, dir: string = defaultMigrationsDir()): MigrationResult {
  const migrations = listMigrations(dir);
  const known = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  if (from > known) {
    throw new MigrationError(
      `database ${db.name} has schema version ${from}, newer than this allocsoak knows (${known}, from ${dir}); ` +
        'upgrade allocsoak or use another database file',
    );
  }
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    const sql = readFileSync(m.path, 'utf8');
    const apply = db.transaction(() => {
      // Another process may have migrated since we looked: re-check under the write lock.
      if (schemaVersion(db) >= m.version) return false;
      db.exec(sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m.file);
    } catch (err) {
      throw new MigrationError(`migration ${m.path} failed: ${(err as Error).message}`);
    }
  }
  return { from, to: schemaVersion(db), applied };
}
