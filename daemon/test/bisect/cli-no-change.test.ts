import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { LEANMALLOC_WITH_HASH_BUILD, makeRepo, SHIM_BUILD, SHIM_C, spin, worktreeList } from './fixture.js';

test('allocsoak bisect over commits that change nothing but their bytes ends with "no change found", run and step stored', async () => {
  const { dir, cleanup } = tempDir('bisect-nochange');
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'first', files: { README: 'one\n' } },
      { message: 'a comment', files: { README: 'two\n' } },
      { message: 'another comment', files: { README: 'three\n' } },
    ]);
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'epoch: 2s\nwarmup: 500ms\ninterval: 250ms\nvariants:\n  - { name: w, allocator: leanmalloc }\n');
    const db = join(dir, 'b.db');
    const r = await runCli(
      [
        'bisect',
        '--repo',
        repo,
        '--good',
        'HEAD~2',
        '--bad',
        'HEAD',
        '--build',
        LEANMALLOC_WITH_HASH_BUILD,
        '--library',
        'out/lib.so',
      ].concat(['--goal', 'speed', '--plan', plan, '--db', db, '--max-rounds', '8']),
      { timeoutMs: 90_000 },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^\[1\] endpoint [0-9a-f]{10} another comment$/m);
    assert.match(
      r.stdout,
      /^no change found: the bad revision [0-9a-f]{10} another comment is not worse than the good build \((NEUTRAL|GO|INSUFFICIENT), throughput per CPU-second [\d.]+ \[/m,
    );
    assert.match(r.stdout, /^evidence \(each step against the good build; ratio = step \/ good\):\nstep +role +commit/m);

    const store = openStore(db);
    try {
      const [run] = store.bisects.list();
      assert.ok(run);
      assert.equal(run.status, 'no_change');
      assert.equal(run.culprit, null);
      assert.match(run.message ?? '', /^no change found/);
      assert.equal(run.repo, repo);
      assert.deepEqual(
        run.commits.map((c) => c.commit),
        shas,
      );
      assert.equal(run.plan.mode, 'duet');
      assert.equal(run.plan.schedule, 'adaptive');
      assert.equal(run.plan.epoch_ms, 2000);
      const steps = store.bisects.steps(run.id);
      assert.equal(steps.length, 1);
      const [s] = steps;
      assert.equal(s?.role, 'endpoint');
      assert.equal(s?.commit_sha, shas[2]);
      assert.equal(s?.build_ok, true);
      assert.notEqual(s?.outcome, 'bad');
      assert.ok(s?.campaign_id !== null && (s?.pairs ?? 0) >= 1 && (s?.pairs ?? 0) <= 8, `pairs ${s?.pairs}`);
      assert.equal(s?.measure, 'throughput per CPU-second');
      assert.ok(s?.ratio !== null && s?.ratio_lo !== null && s?.ratio_hi !== null);
      // The step's campaign ran the two builds as a duet: both arms' epochs, with different library bytes.
      const epochs = store.epochs.listRows({ campaign: s?.campaign_id });
      const libs = new Set(epochs.map((e) => e.allocator_sha256));
      assert.equal(libs.size, 2);
      assert.ok(libs.has(s?.library_sha256));
    } finally {
      store.close();
    }
    assert.equal(existsSync(join(dir, 'bisect-1')), false, 'the cache is removed when the run ends');
    assert.deepEqual(worktreeList(repo), [repo]);
  } finally {
    cleanup();
  }
});

test('allocsoak bisect: a bad revision whose library is the good build’s, byte for byte, is no change without measuring', async () => {
  const { dir, cleanup } = tempDir('bisect-same');
  try {
    const repo = join(dir, 'repo');
    makeRepo(repo, [
      { message: 'shim', files: { 'src/shim.c': SHIM_C, ...spin(0) } },
      { message: 'docs', files: { README: 'x\n' } },
    ]);
    const db = join(dir, 'b.db');
    const r = await runCli([
      'bisect',
      '--repo',
      repo,
      '--good',
      'HEAD~1',
      '--bad',
      'HEAD',
      '--build',
      SHIM_BUILD,
      '--library',
      'out/lib.so',
      '--goal',
      'memory',
      '--db',
      db,
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /^no change found: the bad revision [0-9a-f]{10} docs is not worse than the good build \(not measured: .*\): its library is the good build's, byte for byte$/m,
    );
    const store = openStore(db);
    try {
      assert.equal(store.bisects.get(1)?.status, 'no_change');
      assert.deepEqual(
        store.bisects.steps(1).map((s) => [s.role, s.outcome, s.campaign_id]),
        [['endpoint', 'good', null]],
      );
      assert.equal(store.campaigns.list({ limit: 5 }).length, 0, 'nothing ran');
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});
