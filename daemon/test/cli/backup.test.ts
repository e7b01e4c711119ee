/**
 * `allocsoak backup` while the real daemon writes (a campaign storing a sample every 50 ms): the copy passes
 * integrity_check and holds every epoch that had completed before the backup began, with all its samples.
 * Bad input exits 2 naming the path and what was expected, and leaves no file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startDaemon } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/proc.js';

/** Completed epochs and their sample counts. */
function completed(file: string): Map<number, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT e.id AS id, (SELECT COUNT(*) FROM samples s WHERE s.epoch_id = e.id) AS n FROM epochs e WHERE e.outcome = 'completed' ORDER BY e.id`,
      )
      .all() as Array<{ id: number; n: number }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    db.close();
  }
}

test('backup while a campaign writes: the copy is sound and holds every completed epoch with its samples', async (t) => {
  const { dir, cleanup } = tempDir('backup');
  const plan = join(dir, 'plan.yaml');
  const db = join(dir, 'soak.db');
  writeFileSync(
    plan,
    'name: backup\nepoch: 800ms\nwarmup: 200ms\ninterval: 50ms\nvariants:\n  - { name: A, allocator: glibc, args: ["--ws", "100"] }\n',
  );
  const daemon = startDaemon(['--plan', plan, '--db', db, '--port', '0']);
  t.after(() => {
    daemon.child.kill('SIGKILL');
    cleanup();
  });
  await daemon.url;
  await waitFor('two completed epochs', () => completed(db).size >= 2, 30_000);

  for (const name of ['one.db', 'two.db']) {
    const before = completed(db);
    const copy = join(dir, name);
    const r = await runCli(['backup', '--db', db, '--to', copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /integrity_check ok/);
    const check = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      assert.deepEqual(check.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.equal(check.pragma('journal_mode', { simple: true }), 'delete', 'the copy is one file');
    } finally {
      check.close();
    }
    const after = completed(copy);
    for (const [id, n] of before) assert.equal(after.get(id), n, `epoch ${id} and its ${n} samples are in ${name}`);
    // The daemon went on: a sample was stored since, so the backup ran while it wrote.
    await waitFor('another epoch', () => completed(db).size > before.size, 30_000);
  }
  assert.equal(daemon.child.exitCode, null, 'the daemon still runs');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('one.db') || f.startsWith('two.db') || f.startsWith('.')),
    ['one.db', 'two.db'],
    'no -wal, -shm or partial file next to the copies',
  );
});

test('backup: bad input exits 2 with one line naming the path and what was expected, and writes nothing', async () => {
  const { dir, cleanup } = tempDir('backup-input');
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'not: a database\n');
    const db = join(dir, 'soak.db');
    new Database(db).close();
    writeFileSync(join(dir, 'taken.db'), 'x');
    const cases: Array<[string[], string]> = [
      [
        ['--db', join(dir, 'missing.db'), '--to', join(dir, 'c.db')],
        `option --db expects an existing database file, got "${join(dir, 'missing.db')}" (no such file)`,
      ],
      [['--db', plan, '--to', join(dir, 'c.db')], `option --db expects an SQLite database, got "${plan}" (not an SQLite database)`],
      [
        ['--db', db, '--to', join(dir, 'taken.db')],
        `option --to expects a path where no file exists yet (a backup never overwrites), got "${join(dir, 'taken.db')}" (it exists)`,
      ],
      [
        ['--db', db, '--to', join(dir, 'no', 'c.db')],
        `option --to expects a file in an existing directory, got "${join(dir, 'no', 'c.db')}" (no directory ${join(dir, 'no')})`,
      ],
      [['--db', db, '--to', db], `option --to expects a file other than --db`],
      [['--db', db], 'option --to FILE is required'],
    ];
    const before = readdirSync(dir).sort();
    for (const [args, message] of cases) {
      const r = await runCli(['backup', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(`backup: ${message}`), r.stderr);
      assert.deepEqual(readdirSync(dir).sort(), before, `${args.join(' ')} wrote nothing`);
    }
  } finally {
    cleanup();
  }
});
