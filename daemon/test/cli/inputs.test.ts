/**
 * Errors from input: each exits 2 with one line naming the option (or plan field), the value and what
 * was expected, and leaves no file behind — no database, -wal, -shm or .lock, no directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { seed } from '../http/helpers.js';

/** Every file and directory under `dir`, relative to it. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0] as string;
}

const GOOD_PLAN = 'epoch: 1s\nwarmup: 300ms\ninterval: 100ms\nvariants:\n  - { name: a, allocator: glibc, args: ["--ws", "100"] }\n';

test('LEANMALLOC_PROFILE: superfast is refused when the plan is loaded: exit 2, the field and the allowed values, nothing created', async () => {
  const { dir, cleanup } = tempDir('inputs');
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(
      plan,
      'epoch: 1s\nwarmup: 300ms\ninterval: 100ms\nvariants:\n' +
        '  - { name: speed, allocator: leanmalloc, env: { LEANMALLOC_PROFILE: speed } }\n' +
        '  - { name: lean, allocator: leanmalloc, env: { LEANMALLOC_PROFILE: superfast } }\n',
    );
    const before = listing(dir);
    for (const command of ['run', 'daemon']) {
      const r = await runCli([command, '--plan', plan, '--db', join(dir, 'soak.db'), ...(command === 'daemon' ? ['--port', '0'] : [])]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(
        r.stderr.includes(`${plan}: variants[1].env.LEANMALLOC_PROFILE: expected speed, balanced or lean, got "superfast" (line 6)`),
        r.stderr,
      );
      assert.deepEqual(listing(dir), before, `${command} created nothing`);
    }
  } finally {
    cleanup();
  }
});

test('daemon and run: an unusable --db, --host or --port exits 2 with one line and leaves no file', async () => {
  const { dir, cleanup } = tempDir('inputs');
  const busy = createServer();
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, GOOD_PLAN);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not a database\n');
    const aDir = join(dir, 'a-directory');
    mkdirSync(aDir);
    await new Promise<void>((r) => busy.listen({ host: '127.0.0.1', port: 0 }, r));
    const busyPort = (busy.address() as AddressInfo).port;
    const fresh = join(dir, 'new', 'sub', 'soak.db');
    const sysDb = '/sys/allocsoak-input-test.db';

    const cases: Array<[string[], RegExp]> = [
      [
        ['run', '--db', sysDb],
        /^allocsoak run: option --db expects a database file in a writable place, got "\/sys\/allocsoak-input-test\.db" \(cannot create \/sys\/allocsoak-input-test\.db\.lock: (permission denied|read-only file system)\)$/,
      ],
      [['run', '--db', aDir], /^allocsoak run: option --db expects a database file, got ".*a-directory" \(a directory\)$/],
      [
        ['run', '--db', notes],
        /^allocsoak run: option --db expects an allocsoak database \(an SQLite file\) or a new file in a writable place, got ".*notes\.txt" \(not an SQLite database: file is not a database\)$/,
      ],
      [
        ['daemon', '--db', notes, '--port', '0'],
        /^allocsoak daemon: option --db expects an allocsoak database .*notes\.txt.*not an SQLite database/,
      ],
      [
        ['daemon', '--db', fresh, '--host', '999.1.1.1'],
        /^allocsoak daemon: option --host expects an address of this machine \(an IP address or a name that resolves\), got "999\.1\.1\.1" \(.*cannot be resolved\)$/,
      ],
      [
        ['daemon', '--db', fresh, '--port', String(busyPort)],
        new RegExp(
          `^allocsoak daemon: option --port expects a free port \\(0 picks any\\), got ${busyPort} \\(127\\.0\\.0\\.1:${busyPort} is in use by another process\\)$`,
        ),
      ],
    ];
    const before = listing(dir);
    for (const [args, message] of cases) {
      const r = await runCli([args[0] as string, '--plan', plan, ...args.slice(1)]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), message);
      assert.deepEqual(listing(dir), before, `${args.join(' ')} left files behind`);
    }
    for (const f of [sysDb, `${sysDb}.lock`, `${sysDb}-wal`]) assert.equal(existsSync(f), false, f);
    assert.equal(readFileSync(notes, 'utf8'), 'not a database\n', 'the file that is not a database is untouched');
  } finally {
    busy.close();
    cleanup();
  }
});

test('report, compare, drift and serve: a bad --db and an unknown --campaign exit 2 naming them', async () => {
  const { dir, cleanup } = tempDir('inputs');
  try {
    const db = join(dir, 'seeded.db');
    const store = openStore(db);
    seed(store);
    store.close();
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not a database\n');
    const missing = join(dir, 'missing.db');
    const before = listing(dir);
    const cases: Array<[string[], RegExp]> = [
      [
        ['report', '--db', missing],
        /^allocsoak report: option --db expects an existing database file, got ".*missing\.db" \(no such file\)$/,
      ],
      [['report', '--db', dir], /^allocsoak report: option --db expects a database file, got ".*" \(a directory\)$/],
      [
        ['report', '--db', notes],
        /^allocsoak report: option --db expects an allocsoak database \(an SQLite file\), got ".*notes\.txt" \(not an SQLite database/,
      ],
      [['compare', '--db', notes, '--baseline', 'speed', '--candidate', 'lean'], /^allocsoak compare: option --db expects .*notes\.txt/],
      [['drift', '--db', notes, '--variant', 'speed'], /^allocsoak drift: option --db expects .*notes\.txt/],
      [['serve', '--db', missing, '--port', '0'], /^allocsoak serve: option --db expects an existing database file, got ".*missing\.db"/],
      [['serve', '--db', notes, '--port', '0'], /^allocsoak serve: option --db expects .*notes\.txt.*not an SQLite database/],
      [['serve', '--db', db, '--host', '999.1.1.1'], /^allocsoak serve: option --host expects an address of this machine/],
      [
        ['report', '--db', db, '--campaign', '42'],
        /^allocsoak report: option --campaign expects the id of a campaign in .*seeded\.db \(the most recent: 1\), got 42$/,
      ],
      [
        ['compare', '--db', db, '--baseline', 'speed', '--candidate', 'lean', '--campaign', '42'],
        /^allocsoak compare: option --campaign .* got 42$/,
      ],
      [['drift', '--db', db, '--variant', 'speed', '--campaign', '42'], /^allocsoak drift: option --campaign .* got 42$/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), message);
      assert.equal(r.stdout, '', `${args.join(' ')} printed no result`);
      assert.deepEqual(listing(dir), before, `${args.join(' ')} left files behind`);
    }
    // The campaign that exists is reported.
    const ok = await runCli(['report', '--db', db, '--campaign', '1']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^# allocsoak report: seeded/);
  } finally {
    cleanup();
  }
});
