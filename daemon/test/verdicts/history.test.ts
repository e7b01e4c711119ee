/**
 * History across builds over a real SQLite database: three builds of one variant (synthetic epoch rows, one
 * campaign each), the second one 10 % slower. History marks the change at that build, and only there, in
 * the service, over REST (inject) and through the real `allocsoak history` binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/storage/index.js';
import { history, type HistoryResult } from '../../src/verdicts/index.js';
import { tempDir } from '../helpers/env.js';
import { runCli } from '../helpers/cli.js';
import { seedCampaign } from './seed.js';
import { makeApp } from '../http/helpers.js';
import { freshJudgement } from '../helpers/judged.js';

const BUILDS = [
  { sha: '1'.repeat(64), label: 'v1.0', commit: 'a'.repeat(40), dirty: 0, throughput: 1_000_000 },
  { sha: '2'.repeat(64), label: null, commit: 'b'.repeat(40), dirty: 1, throughput: 900_000 },
  { sha: '3'.repeat(64), label: 'v1.2', commit: null, dirty: null, throughput: 900_000 },
] as const;
const ROUNDS = 8;

/** One campaign per build: `lean` runs the build, `glibc` beside it (not part of lean's history). */
function seedBuilds(store: Store): number[] {
  const plan = {
    name: 'history',
    variants: [
      { name: 'lean', allocator: 'leanmalloc' },
      { name: 'glibc', allocator: 'glibc' },
    ],
  };
  return BUILDS.map((b, k) =>
    seedCampaign(
      store,
      plan,
      [
        { name: 'lean', throughput: b.throughput, rssPeak: 40 << 20, rssHeld: 20 << 20, heldDriftPct: 0 },
        { name: 'glibc', throughput: 800_000, rssPeak: 50 << 20, rssHeld: 30 << 20, heldDriftPct: 0 },
      ],
      ROUNDS,
      11 + k,
      {},
      {
        synth: { noise: 0.004, machine: 0.004, startId: 1 + k * 100 },
        start: (e) =>
          e.variant === 'lean' ? { allocator_sha256: b.sha, build_label: b.label, build_commit: b.commit, build_dirty: b.dirty } : {},
      },
    ),
  );
}

function checkHistory(h: HistoryResult, campaigns: readonly number[]): void {
  assert.equal(h.variant, 'lean');
  assert.equal(h.analysis, 'unpaired');
  assert.deepEqual(
    h.builds.map((b) => [b.index, b.name, b.library_sha256, b.commit, b.dirty]),
    [
      [1, 'v1.0', BUILDS[0].sha, BUILDS[0].commit, false],
      [2, 'bbbbbbbbbb+dirty', BUILDS[1].sha, BUILDS[1].commit, true],
      [3, 'v1.2', BUILDS[2].sha, null, null],
    ],
  );
  assert.deepEqual(
    h.builds.map((b) => b.campaigns),
    campaigns.map((c) => [c]),
  );
  for (const b of h.builds) {
    assert.equal(b.epochs.completed, ROUNDS);
    for (const m of [b.throughput, b.rss_held_bytes, b.rss_peak_bytes, b.drift_pct, b.syscalls_per_op]) {
      assert.equal(m.n, ROUNDS);
      assert.ok(m.low !== null && m.high !== null && m.median !== null && m.low <= m.median && m.median <= m.high, JSON.stringify(m));
    }
  }
  assert.ok(Math.abs((h.builds[1]?.throughput.median ?? 0) / (h.builds[0]?.throughput.median ?? 1) - 0.9) < 0.02);
  assert.equal(h.builds[0]?.change, null);
  const slower = h.builds[1]?.change;
  assert.ok(slower);
  assert.equal(slower.against, 1);
  assert.equal(slower.speed.verdict, 'NO-GO', slower.summary);
  assert.deepEqual(slower.kinds, ['slower']);
  assert.equal(slower.speed.throughput?.analysis, 'unpaired', 'builds never run together');
  assert.ok((slower.speed.throughput?.high ?? 1) < 0.95);
  assert.equal(slower.memory.basis, 'held');
  assert.notEqual(slower.memory.change, 'more');
  assert.notEqual(slower.memory.change, 'less');
  const same = h.builds[2]?.change;
  assert.ok(same);
  assert.equal(same.marked, false, same.summary);
  assert.notEqual(same.speed.verdict, 'NO-GO');
  assert.notEqual(same.speed.verdict, 'GO');
  assert.deepEqual(h.change_points, [2]);
}

test('history: three builds of a variant, the second slower: the change is marked at build 2 (service and REST)', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const campaigns = seedBuilds(t.store);
    checkHistory(history(t.store, { variant: 'lean' }), campaigns);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/history?variant=lean' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<HistoryResult>();
    checkHistory(body, campaigns);
    assert.deepEqual(
      freshJudgement(body),
      JSON.parse(JSON.stringify(history(t.store, { variant: 'lean' }))),
      'REST serves the service result whole',
    );
    // glibc has no library: one build, no change.
    const glibc = history(t.store, { variant: 'glibc' });
    assert.deepEqual(
      glibc.builds.map((b) => [b.name, b.epochs.completed]),
      [['no library', 3 * ROUNDS]],
    );

    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/history' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json<{ message: string }>().message, /variant/);
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/history?variant=nope' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json<{ message: string }>().message, /variant/);
  } finally {
    await t.close();
  }
});

test('allocsoak history (the built binary): the same JSON with --json, the change marked in the text', async () => {
  const { dir, cleanup } = tempDir('history-cli');
  try {
    const file = join(dir, 'h.db');
    const store = openStore(file);
    const campaigns = seedBuilds(store);
    const expected = JSON.parse(JSON.stringify(history(store, { variant: 'lean' }))) as HistoryResult;
    store.close();

    const json = await runCli(['history', '--db', file, '--variant', 'lean', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as HistoryResult;
    checkHistory(parsed, campaigns);
    assert.deepEqual(parsed, expected);

    const text = await runCli(['history', '--db', file, '--variant', 'lean']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^lean: 3 builds/);
    assert.match(text.stdout, /^◆ build 2: bbbbbbbbbb\+dirty \(dirty work tree; lib 222222222222\)/m);
    assert.match(text.stdout, /^ {2}build 1: v1\.0 \(commit aaaaaaaaaa, clean; lib 111111111111\)/m);
    assert.match(text.stdout, /vs build 1: change: slower; speed NO-GO/);
    assert.match(text.stdout, /Change points \(◆\) at build 2\./);

    const bad = await runCli(['history', '--db', file, '--variant', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /history: option --variant/);
  } finally {
    cleanup();
  }
});
