import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultMigrationsDir,
  listMigrations,
  migrate,
  MigrationError,
  openDatabase,
  openStore,
  schemaVersion,
} from '../../src/storage/index.js';
import { tempDbPath, tempDir } from './helpers.js';

test('a fresh database is created (parents too) with WAL, FULL sync, foreign keys and every migration', () => {
  const file = tempDbPath();
  const db = openDatabase(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 1000);
  const known = listMigrations();
  assert.ok(known.length >= 2 && known[0]?.file === '001_initial_schema.sql');
  const r = migrate(db);
  assert.deepEqual(r, { from: 0, to: known.at(-1)?.version, applied: known.map((m) => m.file) });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (t) => t.name,
  );
  assert.deepEqual(tables, [
    'bisect_runs',
    'bisect_steps',
    'campaigns',
    'duet_intervals',
    'epochs',
    'hosts',
    'samples',
    'storage_probe',
    'thinned_epochs',
    'variants',
  ]);
  const cols = (db.prepare('PRAGMA table_info(epochs)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(cols.includes('analysis_note'));
  db.close();
});

test('re-running migrations is a no-op; reopening keeps the data', () => {
  const file = tempDbPath();
  const store = openStore(file);
  const version = schemaVersion(store.db);
  store.db.prepare("INSERT INTO hosts (hostname, kernel, cpu_model, cores, thp) VALUES ('h', 'k', 'c', 2, 'madvise')").run();
  assert.deepEqual(migrate(store.db), { from: version, to: version, applied: [] });
  store.close();
  const again = openStore(file);
  assert.deepEqual(again.migration, { from: version, to: version, applied: [] });
  assert.equal((again.db.prepare('SELECT COUNT(*) AS n FROM hosts').get() as { n: number }).n, 1);
  again.close();
});

test('a database newer than the code is refused with a clear message', () => {
  const file = tempDbPath();
  const db = openDatabase(file);
  migrate(db);
  const known = schemaVersion(db);
  db.pragma(`user_version = ${known + 5}`);
  assert.throws(
    () => migrate(db),
    (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(
        err.message,
        new RegExp(`has schema version ${known + 5}, newer than this allocsoak knows \\(${known}, from .*migrations\\); upgrade allocsoak`),
      );
      return true;
    },
  );
  db.close();
  assert.throws(() => openStore(file), MigrationError);
});

test('a failing migration names its file and leaves the database at the previous version', () => {
  const dir = tempDir('allocsoak-mig-');
  copyFileSync(join(defaultMigrationsDir(), '001_initial_schema.sql'), join(dir, '001_initial_schema.sql'));
  writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE extra (x INTEGER);\nALTER TABLE nope ADD COLUMN y TEXT;\n');
  writeFileSync(join(dir, 'README.md'), 'not a migration');
  const db = openDatabase(tempDbPath());
  assert.throws(() => migrate(db, dir), /migration .*002_broken\.sql failed: no such table: nope/);
  assert.equal(schemaVersion(db), 1);
  // The half of 002 that ran was rolled back with it.
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get(), undefined);
  db.close();
  writeFileSync(join(dir, '002_other.sql'), 'SELECT 1;');
  assert.throws(() => listMigrations(dir), /002_broken\.sql and 002_other\.sql have the same number 002/);
});
