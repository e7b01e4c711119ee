/**
 * Sample retention on a real SQLite file: old epochs' samples are thinned to one per resolution bucket (and
 * their last sample), in bounded steps that may be cut off and taken up again; recent and running epochs,
 * and every epoch row, are left as they were; bad options are refused naming the option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { retentionPolicy } from '../../src/cli/retention.js';
import { UsageError } from '../../src/cli/args.js';
import { newThinCursor, openStore, type RetentionPolicy, type Store } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { sample, tempDbPath, tempDir, testPlan } from './helpers.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');

/** An epoch of `n` one-second samples that ended `daysAgo` days before NOW (null: still running). */
function epochWith(store: Store, campaign: number, variantId: number, n: number, daysAgo: number | null): number {
  const ended = daysAgo === null ? null : new Date(NOW.getTime() - daysAgo * DAY);
  const started = new Date((ended ?? NOW).getTime() - n * 1000);
  const id = store.epochs.start({
    campaign_id: campaign,
    variant_id: variantId,
    variant: 'speed',
    round: 1,
    planned_ms: n * 1000,
    warmup_ms: 0,
    interval_ms: 1000,
    started_at: started.toISOString(),
  });
  const add = store.db.transaction(() => {
    for (let i = 0; i < n; i++) store.samples.add(id, sample(i * 1000, i * 100));
  });
  add();
  if (ended !== null) store.epochs.finish(id, { outcome: 'completed', ended_at: ended.toISOString(), throughput_mean: 123.5 });
  return id;
}

function setup(): { store: Store; old: number; recent: number; running: number; file: string } {
  const file = tempDbPath('allocsoak-retention-');
  const store = openStore(file);
  const plan = testPlan();
  const campaign = store.campaigns.create({ source: 'test', plan });
  const vid = store.variants.upsert(campaign, plan.variants[0]!, null);
  const old = epochWith(store, campaign, vid, 3600, 40);
  const recent = epochWith(store, campaign, vid, 3600, 10);
  const running = epochWith(store, campaign, vid, 500, null);
  return { store, old, recent, running, file };
}

/** Runs steps until a pass finds nothing; returns the largest number of rows one step deleted. */
function thinAll(store: Store, policy: RetentionPolicy, batchRows: number): { steps: number; largest: number } {
  const cursor = newThinCursor();
  let steps = 0;
  let largest = 0;
  for (;;) {
    const r = store.retention.step(cursor, policy, batchRows, NOW);
    if (r.epochId === null) return { steps, largest };
    steps++;
    largest = Math.max(largest, r.deleted);
    assert.ok(steps < 10_000, 'thinning does not end');
  }
}

const tms = (store: Store, id: number): number[] => store.samples.list(id).map((s) => s.t_ms);

test('epochs ended before the cutoff keep one sample per bucket and their last; newer and running ones keep all', () => {
  const { store, old, recent, running } = setup();
  try {
    const rowBefore = store.epochs.getRow(old);
    const { steps, largest } = thinAll(store, { keepSamplesDays: 30, resolutionMs: 60_000 }, 500);
    // 3,600 samples deleted in steps of about 500 (a step ends on a bucket bound: at most one bucket more).
    assert.ok(steps >= 7, `${steps} steps`);
    assert.ok(largest <= 500 + 60, `a step deleted ${largest} rows`);
    const kept = tms(store, old);
    const expected = [...Array.from({ length: 60 }, (_, i) => i * 60_000), 3_599_000];
    assert.deepEqual(kept, expected);
    assert.deepEqual(store.retention.thinned(old), { resolution_ms: 60_000, samples_before: 3600, samples_after: 61 });
    assert.equal(tms(store, recent).length, 3600);
    assert.equal(tms(store, running).length, 500);
    assert.equal(store.retention.thinned(recent), undefined);
    // The epoch row (its analysis) is untouched.
    assert.deepEqual(store.epochs.getRow(old), rowBefore);
    // A second pass finds nothing to do.
    assert.equal(store.retention.step(newThinCursor(), { keepSamplesDays: 30, resolutionMs: 60_000 }, 500, NOW).epochId, null);
  } finally {
    store.close();
  }
});

test('a pass cut off half way (the daemon stopped) ends with the same samples; a coarser resolution thins again', () => {
  const { store, old, file } = setup();
  const policy = { keepSamplesDays: 30, resolutionMs: 60_000 };
  const cursor = newThinCursor();
  for (let i = 0; i < 3; i++) store.retention.step(cursor, policy, 500, NOW);
  store.close();
  const again = openStore(file);
  try {
    assert.ok(tms(again, old).length < 3600 && tms(again, old).length > 61, 'part thinned');
    thinAll(again, policy, 500);
    assert.equal(tms(again, old).length, 61);
    thinAll(again, { keepSamplesDays: 30, resolutionMs: 300_000 }, 500);
    assert.deepEqual(
      tms(again, old),
      [0, 300_000, 600_000, 900_000, 1_200_000, 1_500_000, 1_800_000, 2_100_000, 2_400_000, 2_700_000, 3_000_000, 3_300_000, 3_599_000],
    );
    assert.deepEqual(again.retention.thinned(old), { resolution_ms: 300_000, samples_before: 3600, samples_after: 13 });
    // A longer keep reaches fewer epochs: the 10-day-old one is thinned only once 10 days is too long.
    thinAll(again, { keepSamplesDays: 5, resolutionMs: 300_000 }, 10_000);
    assert.equal(again.retention.thinned(old)?.samples_after, 13);
  } finally {
    again.close();
  }
});

test('--keep-samples-days and --thin-samples-to: defaults, and bad values refused naming the option', async () => {
  assert.deepEqual(retentionPolicy('daemon', { 'keep-samples-days': '30', 'thin-samples-to': '1m' }), {
    keepSamplesDays: 30,
    resolutionMs: 60_000,
  });
  assert.deepEqual(retentionPolicy('daemon', { 'keep-samples-days': '0.5', 'thin-samples-to': '10s' }), {
    keepSamplesDays: 0.5,
    resolutionMs: 10_000,
  });
  for (const [days, res, option] of [
    ['0', '60s', '--keep-samples-days'],
    ['-3', '60s', '--keep-samples-days'],
    ['ten', '60s', '--keep-samples-days'],
    ['30', '0s', '--thin-samples-to'],
    ['30', '500ms', '--thin-samples-to'],
    ['30', 'often', '--thin-samples-to'],
  ] as const) {
    assert.throws(
      () => retentionPolicy('daemon', { 'keep-samples-days': days, 'thin-samples-to': res }),
      (err: unknown) => err instanceof UsageError && err.message.includes(option) && err.message.includes('expects'),
      `${days} ${res}`,
    );
  }
  // The real CLI: exit 2, one line naming the option, no database created.
  const dir = tempDir('allocsoak-retention-cli-');
  const db = join(dir, 'x.db');
  const r = await runCli(['daemon', '--plan', 'plans/quick.yaml', '--db', db, '--keep-samples-days', 'forever']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--keep-samples-days expects a number of days in \(0, 36500\], got "forever"/);
  assert.equal(existsSync(db), false);
});
