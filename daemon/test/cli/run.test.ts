import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { FIXTURE } from '../helpers/native.js';

test('allocsoak run: a finite interleaved campaign, a summary table, everything stored', async () => {
  const { dir, cleanup } = tempDir('run');
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(
      plan,
      [
        'name: cli-run',
        'epoch: 60m', // overridden by --epoch
        'warmup: 300ms',
        'interval: 100ms',
        'variants:',
        '  - { name: glibc, allocator: glibc, args: ["--ws", "100"] }',
        `  - { name: crashy, command: ["${FIXTURE}", "--mode", "crash", "--after-ms", "400"] }`,
        'comparisons:',
        '  - { baseline: glibc, candidate: crashy, goal: speed }',
      ].join('\n'),
    );
    const db = join(dir, 'run.db');
    const r = await runCli(['run', '--plan', plan, '--db', db, '--epochs', '2', '--epoch', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /campaign 1 \(cli-run\) completed/);
    assert.match(r.stdout, /^glibc\s+2\/2\s+[\d.]+[kMG]?\s/m);
    assert.match(r.stdout, /^crashy\s+0\/2\s.*2 crashed$/m);
    // Which epochs failed, why, and what the workload said last; then the plan's verdicts.
    assert.match(
      r.stdout,
      /^epochs that did not complete \(2\):\n {2}epoch 2 {2}crashy {2}round 1 {2}crashed: killed by SIGSEGV.*\n {4}stderr: protocol_fixture: crash line 3 before dying \(mode crash\)\n {2}epoch 4 {2}crashy {2}round 2 {2}crashed: killed by SIGSEGV/m,
    );
    assert.match(
      r.stdout,
      /^verdicts:\n {2}glibc → crashy \(goal speed\): NO-GO\n {4}! \[decisive\] candidate crashy ended 2 epoch\(s\) badly/m,
    );
    const store = openStore(db);
    try {
      const rows = store.epochs.listRows({ campaign: 1 }).reverse();
      assert.deepEqual(
        rows.map((e) => `${e.variant}:${e.outcome}`),
        ['glibc:completed', 'crashy:crashed', 'glibc:completed', 'crashy:crashed'],
      );
      const glibc = rows[0]!;
      assert.equal(glibc.planned_ms, 1000);
      assert.ok(glibc.throughput_mean! > 0 && glibc.rss_initial_bytes! > 0 && glibc.syscalls_total! > 0);
      assert.ok(store.samples.list(glibc.id).length >= 1, 'its samples are stored');
      assert.equal(store.campaigns.get(1)?.status, 'completed');
    } finally {
      store.close();
    }
    for (const format of ['md', 'json', 'csv']) {
      const rep = await runCli(['report', '--db', db, '--format', format]);
      assert.equal(rep.code, 0, rep.stderr);
      assert.match(rep.stdout, /glibc/);
      assert.match(rep.stdout, /crashy/);
      if (format === 'json') JSON.parse(rep.stdout);
      if (format === 'md') {
        assert.match(
          rep.stdout,
          /Epoch 2 \(crashy, round 1, crashed\), last lines of stderr:\n\n```\nprotocol_fixture: crash line 1 before dying \(mode crash\)\nprotocol_fixture: crash line 2 before dying \(mode crash\)\nprotocol_fixture: crash line 3 before dying \(mode crash\)\n```/,
        );
      }
    }
  } finally {
    cleanup();
  }
});

test('allocsoak run: plan errors and bad options exit 2 with a message, nothing started', async () => {
  const { dir, cleanup } = tempDir('run');
  try {
    const plan = join(dir, 'bad.yaml');
    writeFileSync(plan, 'epoch: soon\nvariants:\n  - { name: a, allocator: glibc, env: { X: [1] } }\n');
    const db = join(dir, 'never.db');
    const r = await runCli(['run', '--plan', plan, '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid plan/);
    assert.match(r.stderr, new RegExp(`${plan.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: epoch: expected a duration`));
    assert.match(r.stderr, /variants\[0\]\.env\.X/);

    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'epoch: 1s\nwarmup: 500ms\ninterval: 100ms\nvariants:\n  - { name: a, allocator: glibc }\n');
    const cases: Array<[string[], RegExp]> = [
      [['--epochs', '0'], /run: option --epochs expects a positive integer, got "0"/],
      [['--epoch', 'whenever'], /run: option --epoch expects a duration such as 30s, 5m or 1h, got "whenever"/],
      [['--epoch', '400ms'], /run: option --epoch 400ms must be longer than the plan's warmup \(500ms\)/],
      [['--frobnicate'], /run: unknown option --frobnicate/],
    ];
    for (const [extra, re] of cases) {
      const b = await runCli(['run', '--plan', good, '--db', db, ...extra]);
      assert.equal(b.code, 2, extra.join(' '));
      assert.match(b.stderr, re);
    }
    const noDb = await runCli(['run', '--plan', good]);
    assert.equal(noDb.code, 2);
    assert.match(noDb.stderr, /run: option --db FILE is required/);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(db), false, 'a database was created although nothing should have started');
    const help = await runCli(['run', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--epochs N/);
  } finally {
    cleanup();
  }
});

test('allocsoak report prints what data rendered, and refuses a missing database', async () => {
  const { dir, cleanup } = tempDir('report');
  try {
    const missing = await runCli(['report', '--db', join(dir, 'none.db')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /report: option --db expects an existing database file/);
    const bad = await runCli(['report', '--db', join(dir, 'none.db'), '--format', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format expects one of md, json, csv, got "xml"/);
  } finally {
    cleanup();
  }
});
