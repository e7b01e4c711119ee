// The exporter against a real SQLite file with the project's schema: every metric name, zeros before any
// epoch, values after epochs, the same values after a "restart" (a new exporter on a new connection),
// counters that never go down, and the live gauges fed by samples.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CampaignEvents } from '../../src/campaign/index.js';
import { AllocsoakMetrics } from '../../src/metrics/exporter.js';
import { METRICS, COUNTED_OUTCOMES } from '../../src/metrics/names.js';
import type { Store } from '../../src/storage/index.js';
import { find, parseExposition, valueOf, type Exposition } from './exposition.js';
import { EpochWriter, openTestStore, testPlan } from './fixtures.js';

const PLAN = testPlan(['speed', 'glibc']);

/** An exporter following a campaign of PLAN whose first epoch has started (as the controller tells it). */
function exporterRunningPlan(): AllocsoakMetrics {
  const m = new AllocsoakMetrics({ store, state: () => 'running' });
  m.campaignStarted(PLAN.variants.map((v) => v.name));
  m.epochStarted(PLAN.epoch_ms, PLAN.warmup_ms);
  return m;
}

let dir: string;
let dbPath: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'allocsoak-metrics-'));
  dbPath = path.join(dir, 'allocsoak.db');
  store = openTestStore(dbPath);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(m: AllocsoakMetrics): Promise<Exposition> {
  return parseExposition(await m.metrics());
}

test('every metric name is exposed with HELP and TYPE, besides the default process metrics', async () => {
  const e = await scrape(exporterRunningPlan());
  for (const spec of METRICS) {
    assert.equal(e.types.get(spec.name), spec.type, `TYPE of ${spec.name}`);
    assert.ok((e.helps.get(spec.name) ?? '').length > 10, `HELP of ${spec.name}`);
  }
  assert.ok(find(e, 'process_start_time_seconds').length === 1, 'default metrics on the own registry');
  assert.ok(find(e, 'nodejs_heap_size_used_bytes').length === 1);
});

test('before any epoch: every variant x outcome counter at 0, plan lengths, no last-epoch or live values', async () => {
  const e = await scrape(exporterRunningPlan());
  const epochs = find(e, 'allocsoak_epochs_total');
  assert.equal(epochs.length, PLAN.variants.length * COUNTED_OUTCOMES.length);
  for (const v of PLAN.variants) {
    for (const outcome of COUNTED_OUTCOMES) {
      assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: v.name, outcome }), 0);
    }
    assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant: v.name }), 0);
    assert.equal(valueOf(e, 'allocsoak_lean_retire_total', { variant: v.name }), 0);
    assert.equal(valueOf(e, 'allocsoak_epoch_planned_seconds', { variant: v.name }), 3);
    assert.equal(valueOf(e, 'allocsoak_epoch_warmup_seconds', { variant: v.name }), 1);
  }
  assert.ok(!epochs.some((s) => s.labels.outcome === 'running'), 'running is not an ended outcome');
  assert.equal(valueOf(e, 'allocsoak_daemon_state', { state: 'running' }), 1);
  assert.equal(valueOf(e, 'allocsoak_daemon_state', { state: 'idle' }), 0);
  for (const spec of METRICS.filter((m) => m.source === 'live' || (m.source === 'sqlite' && m.type === 'gauge'))) {
    assert.deepEqual(find(e, spec.name), [], `${spec.name} has no value before an epoch`);
  }
});

test('after epochs: counts by outcome, the latest completed epoch, counter sums of ended epochs only', async () => {
  const w = new EpochWriter(store, PLAN);
  w.epoch('speed', 'completed', {
    ended_at: '2025-01-01T00:00:03.000Z',
    throughput_mean: 1000,
    throughput_cv: 0.02,
    rss_drift_pct: 4,
    rss_peak_bytes: 50_000_000,
    syscalls_per_op: 0.001,
    lean_decommit: 7,
    lean_retire: 2,
  });
  w.epoch('glibc', 'crashed', { ended_at: '2025-01-01T00:00:06.000Z' });
  w.epoch('speed', 'completed', {
    ended_at: '2025-01-01T00:00:09.500Z',
    throughput_mean: 1200,
    throughput_cv: 0.05,
    rss_drift_pct: -1.5,
    rss_peak_bytes: 60_000_000,
    syscalls_per_op: 0.002,
    lean_decommit: 5,
    lean_retire: 1,
  });
  const timedOut = w.epoch('glibc', 'timeout', { ended_at: '2025-01-01T00:00:12.000Z' });
  // Still running: its counters are not final and must not be counted yet.
  const running = w.epoch('speed', 'running');
  store.samples.add(running, {
    t_ms: 500,
    ops: 10,
    ops_per_sec: 20,
    rss_bytes: 1,
    hwm_bytes: 1,
    rss_anon_bytes: 1,
    pss_bytes: 1,
    lazyfree_bytes: 0,
    cpu_ms: null,
    counters: { lean_decommit: 1000, lean_retire: 1000 },
  });

  const e = await scrape(exporterRunningPlan());
  assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'speed', outcome: 'completed' }), 2);
  assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'glibc', outcome: 'crashed' }), 1);
  assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'glibc', outcome: 'timeout' }), 1);
  assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'glibc', outcome: 'completed' }), 0);
  assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant: 'speed' }), 12);
  assert.equal(valueOf(e, 'allocsoak_lean_retire_total', { variant: 'speed' }), 3);
  assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant: 'glibc' }), 0);
  // The latest completed epoch of speed is the second one; glibc never completed one.
  assert.equal(valueOf(e, 'allocsoak_epoch_throughput_ops_per_second', { variant: 'speed' }), 1200);
  assert.equal(valueOf(e, 'allocsoak_epoch_throughput_cv_ratio', { variant: 'speed' }), 0.05);
  assert.equal(valueOf(e, 'allocsoak_epoch_rss_drift_ratio', { variant: 'speed' }), -0.015, 'a ratio, not %');
  assert.equal(valueOf(e, 'allocsoak_epoch_rss_peak_bytes', { variant: 'speed' }), 60_000_000);
  assert.equal(valueOf(e, 'allocsoak_epoch_syscalls_per_op', { variant: 'speed' }), 0.002);
  assert.equal(
    valueOf(e, 'allocsoak_last_epoch_completed_timestamp_seconds', { variant: 'speed' }),
    Date.parse('2025-01-01T00:00:09.500Z') / 1000,
  );
  assert.deepEqual(find(e, 'allocsoak_epoch_throughput_ops_per_second', { variant: 'glibc' }), []);
  assert.deepEqual(find(e, 'allocsoak_last_epoch_completed_timestamp_seconds', { variant: 'glibc' }), []);
  // Started: the latest epoch of each variant, whatever its outcome (speed's is the running one).
  const startedAt = (id: number): number => Date.parse(store.epochs.getRow(id)?.started_at ?? '') / 1000;
  assert.equal(valueOf(e, 'allocsoak_last_epoch_started_timestamp_seconds', { variant: 'speed' }), startedAt(running));
  assert.equal(valueOf(e, 'allocsoak_last_epoch_started_timestamp_seconds', { variant: 'glibc' }), startedAt(timedOut));
});

test('a restarted daemon (new connection, new exporter) exports the same SQLite-derived values at once', async () => {
  const w = new EpochWriter(store, PLAN);
  w.epoch('speed', 'completed', { ended_at: '2025-01-01T00:00:03.000Z', throughput_mean: 900, lean_decommit: 4 });
  w.epoch('glibc', 'oom', { ended_at: '2025-01-01T00:00:06.000Z' });
  const before = await scrape(exporterRunningPlan());
  store.close();

  store = openTestStore(dbPath);
  const after = await scrape(exporterRunningPlan());
  const sqliteBacked = (e: Exposition) => e.samples.filter((s) => METRICS.some((m) => m.name === s.name && m.source !== 'live'));
  assert.ok(sqliteBacked(after).length > 20);
  assert.deepEqual(sqliteBacked(after), sqliteBacked(before));
  assert.equal(valueOf(after, 'allocsoak_epochs_total', { variant: 'glibc', outcome: 'oom' }), 1);
  assert.equal(valueOf(after, 'allocsoak_epoch_throughput_ops_per_second', { variant: 'speed' }), 900);
});

test('counters never go down while epochs accumulate; variants only in the database are exported too', async () => {
  const current = new EpochWriter(store, PLAN);
  const finished = new EpochWriter(store, testPlan(['old']), 'completed');
  const m = exporterRunningPlan();
  let previous = await scrape(m);
  const outcomes = ['completed', 'crashed', 'completed', 'aborted', 'interrupted', 'failed'] as const;
  for (const [i, outcome] of outcomes.entries()) {
    (i % 2 === 0 ? current : finished).epoch(i % 2 === 0 ? 'speed' : 'old', outcome, { lean_decommit: i });
    const now = await scrape(m);
    for (const s of now.samples.filter((x) => now.types.get(x.name) === 'counter' && x.name.startsWith('allocsoak_'))) {
      const [p] = find(previous, s.name, s.labels);
      assert.ok(p === undefined || s.value >= p.value, `${s.name}${JSON.stringify(s.labels)} went down`);
    }
    previous = now;
  }
  // "old" is not in the plan but has epochs in the database: all of its outcomes are exported.
  assert.equal(find(previous, 'allocsoak_epochs_total', { variant: 'old' }).length, COUNTED_OUTCOMES.length);
  assert.equal(valueOf(previous, 'allocsoak_epochs_total', { variant: 'old', outcome: 'interrupted' }), 0);
  assert.equal(valueOf(previous, 'allocsoak_epochs_total', { variant: 'old', outcome: 'aborted' }), 1);
  // No epoch lengths for it (its campaign is over): the stall alert must only use variants being run.
  assert.deepEqual(find(previous, 'allocsoak_epoch_planned_seconds', { variant: 'old' }), []);
});

test('live gauges: set by samples of the running child, cleared when it ends or another variant runs', async () => {
  const m = exporterRunningPlan();
  m.observeSample('speed', { t_ms: 1500, rss_bytes: 10_485_760, ops_per_sec: 123_456 });
  let e = await scrape(m);
  assert.equal(valueOf(e, 'allocsoak_workload_rss_bytes', { variant: 'speed' }), 10_485_760);
  assert.equal(valueOf(e, 'allocsoak_workload_throughput_ops_per_second', { variant: 'speed' }), 123_456);
  assert.equal(valueOf(e, 'allocsoak_workload_elapsed_seconds', { variant: 'speed' }), 1.5);

  // A sample without an RSS reading keeps the last one rather than inventing 0.
  m.observeSample('speed', { t_ms: 2000, rss_bytes: null, ops_per_sec: 100_000 });
  e = await scrape(m);
  assert.equal(valueOf(e, 'allocsoak_workload_rss_bytes', { variant: 'speed' }), 10_485_760);
  assert.equal(valueOf(e, 'allocsoak_workload_throughput_ops_per_second', { variant: 'speed' }), 100_000);

  m.epochEnded('speed');
  e = await scrape(m);
  for (const name of [
    'allocsoak_workload_rss_bytes',
    'allocsoak_workload_throughput_ops_per_second',
    'allocsoak_workload_elapsed_seconds',
  ]) {
    assert.deepEqual(find(e, name), [], `${name} gone after the epoch ended`);
  }

  // One child at a time: a sample of glibc means speed's child is gone, even without epochEnded.
  m.observeSample('speed', { t_ms: 500, rss_bytes: 1, ops_per_sec: 1 });
  m.observeSample('glibc', { t_ms: 500, rss_bytes: 2, ops_per_sec: 2 });
  e = await scrape(m);
  assert.deepEqual(
    find(e, 'allocsoak_workload_rss_bytes').map((s) => s.labels.variant),
    ['glibc'],
  );
  // A late epochEnded of another variant does not clear the running child's series...
  m.epochEnded('speed');
  assert.equal(find(await scrape(m), 'allocsoak_workload_rss_bytes').length, 1);
  // ...but the next epoch's start does (the previous child is gone), as does the campaign's end.
  m.epochStarted(3000, 1000);
  assert.deepEqual(find(await scrape(m), 'allocsoak_workload_rss_bytes'), []);
  m.observeSample('speed', { t_ms: 500, rss_bytes: 3, ops_per_sec: 3 });
  m.campaignFinished();
  assert.deepEqual(find(await scrape(m), 'allocsoak_workload_rss_bytes'), []);
});

test('epoch lengths and variants follow the campaign; without events, the running campaign in SQLite', async () => {
  // A campaign the exporter was not told about (e.g. started before it followed the controller).
  const apiStarted = new EpochWriter(store, testPlan(['api-started'], { epoch: '60s', warmup: '5s' }));
  apiStarted.epoch('api-started', 'running');
  const m = new AllocsoakMetrics({ store });
  let e = await scrape(m);
  assert.equal(valueOf(e, 'allocsoak_epoch_planned_seconds', { variant: 'api-started' }), 60);
  assert.equal(valueOf(e, 'allocsoak_epoch_warmup_seconds', { variant: 'api-started' }), 5);
  assert.deepEqual(find(e, 'allocsoak_epoch_planned_seconds', { variant: 'speed' }), []);

  // Told about a campaign: its variants are exported at 0 at once; lengths once its first epoch started.
  m.campaignStarted(['speed', 'fresh']);
  e = await scrape(m);
  assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'fresh', outcome: 'completed' }), 0);
  assert.deepEqual(find(e, 'allocsoak_epoch_planned_seconds', { variant: 'fresh' }), []);
  m.epochStarted(3_600_000, 120_000);
  e = await scrape(m);
  assert.equal(valueOf(e, 'allocsoak_epoch_planned_seconds', { variant: 'speed' }), 3600);
  assert.equal(valueOf(e, 'allocsoak_epoch_warmup_seconds', { variant: 'fresh' }), 120);

  // Campaigns over (none running in SQLite either): no lengths at all, so the stall alert judges nothing.
  m.campaignFinished();
  store.campaigns.finish(apiStarted.campaignId, 'stopped');
  e = await scrape(m);
  assert.deepEqual(find(e, 'allocsoak_epoch_planned_seconds'), []);
  assert.deepEqual(find(e, 'allocsoak_epoch_warmup_seconds'), []);
});

test('daemon state: one series per controller state, 1 for the current one', async () => {
  let state: 'idle' | 'running' | 'waiting' | 'stopping' = 'idle';
  const m = new AllocsoakMetrics({ store, state: () => state });
  for (const now of ['idle', 'running', 'waiting', 'stopping'] as const) {
    state = now;
    const e = await scrape(m);
    assert.equal(find(e, 'allocsoak_daemon_state').length, 4);
    for (const s of find(e, 'allocsoak_daemon_state')) assert.equal(s.value, s.labels.state === now ? 1 : 0, `${now}: ${s.labels.state}`);
  }
});

test('follow(): a throwing listener never reaches the campaign loop, it is reported instead', () => {
  const errors: string[] = [];
  const m = new AllocsoakMetrics({ store, onListenerError: (_err, event) => errors.push(event) });
  const emitter = new EventEmitter<CampaignEvents>();
  const unfollow = m.follow(emitter);
  // A malformed event (no sample) makes the listener throw a TypeError.
  const bad = null as unknown as CampaignEvents['sample'][0]['sample'];
  assert.doesNotThrow(() => emitter.emit('sample', { epoch_id: 1, campaign_id: 1, variant: 'speed', sample: bad }));
  assert.deepEqual(errors, ['sample']);
  unfollow();
  assert.equal(emitter.listenerCount('sample'), 0);
});

test('the exporter uses its own registry, so two exporters (or a test and a daemon) never collide', async () => {
  const a = exporterRunningPlan();
  const b = new AllocsoakMetrics({ store });
  a.observeSample('speed', { t_ms: 1000, rss_bytes: 5, ops_per_sec: 5 });
  assert.notEqual(a.registry, b.registry);
  assert.deepEqual(find(await scrape(b), 'allocsoak_workload_rss_bytes'), []);
  assert.match(a.contentType, /^text\/plain; version=0\.0\.4/);
});
