/**
 * `allocsoak backup`: a consistent copy of a database, taken while the daemon goes on writing to it
 * (SQLite's online backup; storage/backup.ts). Takes no lock and changes nothing in the source.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { backupDatabase } from '../../storage/index.js';
import { helpText, parseOrHelp, UsageError, type OptionSpecs } from '../args.js';

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'the database to copy (a daemon may be writing to it)', required: true },
  to: { type: 'string', value: 'FILE', description: 'the copy: a new file in an existing, writable directory', required: true },
} satisfies OptionSpecs;

export const BACKUP_HELP = helpText(
  'allocsoak backup --db FILE --to FILE',
  "Copy the database with SQLite's online backup, safely while `daemon` or `run` writes to it: the copy is the\n" +
    'database as it was at one commit, checked with PRAGMA integrity_check before it is given its name.\n' +
    'An existing --to is never overwritten. To restore: stop the daemon, copy the backup over --db, remove\n' +
    "the old FILE-wal and FILE-shm, start the daemon again (README's Backups).",
  OPTIONS,
);

const FS_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'a file of that name appeared during the backup',
};

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code === 'SQLITE_NOTADB') return 'not an SQLite database';
  if (code === 'SQLITE_FULL') return 'no space left for the copy';
  return FS_REASONS[code] ?? message;
}

/** The source: an existing regular file. */
function checkSource(file: string): void {
  const bad = (why: string): UsageError =>
    new UsageError(`backup: option --db expects an existing database file, got ${JSON.stringify(file)} (${why})`);
  if (!existsSync(file)) throw bad('no such file');
  const st = statSync(file);
  if (st.isDirectory()) throw bad('a directory');
  if (!st.isFile()) throw bad('not a regular file');
}

/** The target: nothing there yet, in a directory that exists and may be written. */
function checkTarget(file: string, source: string): void {
  const bad = (expected: string, why: string): UsageError =>
    new UsageError(`backup: option --to expects ${expected}, got ${JSON.stringify(file)} (${why})`);
  if (resolve(file) === resolve(source)) throw bad('a file other than --db', 'it is the database itself');
  if (existsSync(file))
    throw bad('a path where no file exists yet (a backup never overwrites)', statSync(file).isDirectory() ? 'a directory' : 'it exists');
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw bad('a file in an existing directory', `no directory ${dir}`);
  if (!statSync(dir).isDirectory()) throw bad('a file in an existing directory', `${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw bad('a file in a writable directory', `${dir}: ${describe(err)}`);
  }
}

export async function backupCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('backup', argv, OPTIONS, BACKUP_HELP);
  if (opts === undefined) return 0;
  checkSource(opts.db);
  checkTarget(opts.to, opts.db);
  const started = Date.now();
  let result;
  try {
    result = await backupDatabase(opts.db, opts.to);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB') {
      throw new UsageError(`backup: option --db expects an SQLite database, got ${JSON.stringify(opts.db)} (${describe(err)})`);
    }
    throw new Error(`backup of ${opts.db} to ${opts.to} failed, nothing was written: ${describe(err)}`, { cause: err });
  }
  const mib = (result.bytes / 2 ** 20).toFixed(1);
  process.stdout.write(
    `backed up ${opts.db} to ${opts.to} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${mib} MiB, schema v${result.schema_version}, ` +
      `${result.campaigns} campaigns, ${result.epochs} epochs (${result.completed_epochs} completed), ${result.samples} samples; integrity_check ok\n`,
  );
  return 0;
}
