import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EPOCH_COUNTERS } from '../../src/domain/epoch-fields.js';
import { downsample, openDatabase, openStore, PAGE_CACHE_KIB, type Store } from '../../src/storage/index.js';
import { sample, tempDbPath, testPlan } from './helpers.js';

function seeded(): { store: Store; file: string; campaign: number; speed: number; glibc: number; host: number } {
  const file = tempDbPath();
  const store = openStore(file);
  const plan = testPlan();
  const campaign = store.campaigns.create({ source: 'plans/test.yaml', plan, epochs_per_variant: 3 });
  const speed = store.variants.upsert(campaign, plan.variants[0]!, '/lib/libleanmalloc.so');
  const glibc = store.variants.upsert(campaign, plan.variants[1]!, null);
  const host = store.hosts.upsert({ hostname: 'box', kernel: '6.1', cpu_model: 'cpu', cores: 2, thp: 'madvise' });
  return { store, file, campaign, speed, glibc, host };
}

function startEpoch(s: ReturnType<typeof seeded>, variant: 'speed' | 'glibc', started_at?: string): number {
  return s.store.epochs.start({
    campaign_id: s.campaign,
    variant_id: variant === 'speed' ? s.speed : s.glibc,
    variant,
    round: s.store.epochs.nextRound(s.campaign, variant),
    planned_ms: 4000,
    warmup_ms: 1000,
    interval_ms: 250,
    host_id: s.host,
    load_avg_1m: 0.5,
    ...(started_at !== undefined ? { started_at } : {}),
  });
}

test('hosts upsert to one id per configuration', () => {
  const s = seeded();
  assert.equal(s.store.hosts.upsert({ hostname: 'box', kernel: '6.1', cpu_model: 'cpu', cores: 2, thp: 'madvise' }), s.host);
  const other = s.store.hosts.upsert({ hostname: 'box', kernel: '6.1', cpu_model: 'cpu', cores: 2, thp: 'always' });
  assert.notEqual(other, s.host);
  assert.deepEqual(s.store.hosts.get(other), { id: other, hostname: 'box', kernel: '6.1', cpu_model: 'cpu', cores: 2, thp: 'always' });
  s.store.close();
});

test('campaigns: create, get with the plan, resumable by plan, finish, list newest first', () => {
  const s = seeded();
  const plan = testPlan();
  const c = s.store.campaigns.get(s.campaign);
  assert.equal(c?.name, 'test');
  assert.equal(c?.status, 'running');
  assert.equal(c?.epochs_per_variant, 3);
  assert.deepEqual(c?.plan, plan);
  assert.equal(s.store.campaigns.findResumable(plan, 3)?.id, s.campaign);
  assert.equal(s.store.campaigns.findResumable(plan, null), undefined, 'a finite campaign does not resume a continuous one');
  assert.equal(s.store.campaigns.findResumable({ ...plan, epoch_ms: 5000 }, 3), undefined, 'another plan does not resume it');
  const daemon = s.store.campaigns.create({ source: 'api', plan, name: 'nightly' });
  assert.equal(s.store.campaigns.findResumable(plan)?.id, daemon);
  assert.equal(s.store.campaigns.interruptOthers(daemon), 1);
  assert.equal(s.store.campaigns.get(s.campaign)?.status, 'interrupted');
  s.store.campaigns.finish(daemon, 'stopped', '2026-01-01T00:00:00.000Z');
  assert.deepEqual(
    s.store.campaigns.list().map((x) => [x.id, x.name, x.status, x.ended_at !== null]),
    [
      [daemon, 'nightly', 'stopped', true],
      [s.campaign, 'test', 'interrupted', true],
    ],
  );
  assert.deepEqual(
    s.store.campaigns.list({ status: 'stopped' }).map((x) => x.id),
    [daemon],
  );
  assert.equal(s.store.campaigns.findResumable(plan), undefined);
  assert.throws(() => s.store.campaigns.finish(999, 'completed'), /campaign 999 does not exist/);
  s.store.close();
});

test('variants: upsert returns a stable id, config kept, names across campaigns', () => {
  const s = seeded();
  const plan = testPlan();
  assert.equal(s.store.variants.upsert(s.campaign, plan.variants[0]!, '/other/lib.so'), s.speed);
  const rows = s.store.variants.listForCampaign(s.campaign);
  assert.deepEqual(
    rows.map((r) => [r.name, r.allocator, r.allocator_library]),
    [
      ['speed', 'leanmalloc', '/other/lib.so'],
      ['glibc', 'glibc', null],
    ],
  );
  assert.deepEqual(rows[0]?.config.env, { LEANMALLOC_PROFILE: 'speed' });
  const c2 = s.store.campaigns.create({ source: 'api', plan: { ...plan, variants: [{ ...plan.variants[0]!, name: 'zeta' }] } });
  s.store.variants.upsert(c2, { ...plan.variants[0]!, name: 'zeta' }, null);
  assert.deepEqual(s.store.variants.names(), ['glibc', 'speed', 'zeta']);
  s.store.close();
});

test('epochs: start running, set pid, finish with analysis, list and get round-trip', () => {
  const s = seeded();
  const e1 = startEpoch(s, 'speed', '2026-01-01T00:00:00.000Z');
  const e2 = startEpoch(s, 'glibc', '2026-01-01T01:00:00.000Z');
  const e3 = startEpoch(s, 'speed', '2026-01-01T02:00:00.000Z');
  assert.equal(s.store.epochs.getRow(e3)?.round, 2);
  s.store.epochs.setPid(e1, 4242);
  assert.equal(s.store.epochs.getRow(e1)?.pid, 4242);
  assert.equal(s.store.epochs.getRow(e1)?.outcome, 'running');
  s.store.epochs.finish(e1, {
    outcome: 'completed',
    ended_at: '2026-01-01T00:00:04.000Z',
    ops: 1_000_000,
    throughput_mean: 250_000.5,
    throughput_cv: 0.01,
    rss_peak_bytes: 12_345_678,
    rss_drift_pct: Number.NaN, // not finite → stored as NULL, never as garbage
    lean_decommit: 7,
    counters_json: JSON.stringify({ delta: { lean_decommit: 7 }, per_op: { lean_decommit: 7e-6 } }),
    analysis_note: 'a note',
  });
  s.store.epochs.finish(e2, { outcome: 'crashed', signal: 'SIGSEGV', outcome_reason: 'killed by SIGSEGV', stderr_tail: 'boom' });

  const d = s.store.epochs.get(e1);
  assert.ok(d);
  assert.equal(d.outcome, 'completed');
  assert.equal(d.ops, 1_000_000);
  assert.equal(d.throughput_mean, 250_000.5);
  assert.equal(d.rss_peak_bytes, 12_345_678);
  assert.equal(d.rss_drift_pct, null);
  assert.equal(d.throughput_median, null);
  assert.equal(d.analysis_note, 'a note');
  assert.equal(d.load_avg_1m, 0.5);
  assert.deepEqual(d.host, { id: s.host, hostname: 'box', kernel: '6.1', cpu_model: 'cpu', cores: 2, thp: 'madvise' });
  assert.deepEqual(d.counters, { delta: { lean_decommit: 7 }, per_op: { lean_decommit: 7e-6 } });
  assert.equal('counters_json' in d, false);
  assert.equal(s.store.epochs.get(e2)?.signal, 'SIGSEGV');
  assert.equal(s.store.epochs.get(12345), undefined);
  assert.throws(() => s.store.epochs.finish(12345, { outcome: 'failed' }), /epoch 12345 does not exist/);

  const all = s.store.epochs.list();
  assert.deepEqual(
    all.map((e) => e.id),
    [e3, e2, e1],
  );
  assert.deepEqual(Object.keys(all[2]!).sort(), [
    'allocator_profile',
    'allocator_reported',
    'campaign_id',
    'ended_at',
    'id',
    'lean_decommit',
    'lean_retire',
    'ops',
    'outcome',
    'round',
    'rss_drift_pct',
    'rss_final_bytes',
    'rss_held_drift_pct',
    'rss_hwm_bytes',
    'rss_initial_bytes',
    'rss_peak_bytes',
    'rss_slope_bytes_per_hour',
    'series_sha256',
    'started_at',
    'stderr_lines',
    'syscalls_per_op',
    'throughput_cpu',
    'throughput_cv',
    'throughput_mean',
    'throughput_p1',
    'throughput_p50',
    'variant',
  ]);
  assert.deepEqual(
    s.store.epochs.list({ variant: 'speed' }).map((e) => e.id),
    [e3, e1],
  );
  assert.deepEqual(
    s.store.epochs.list({ outcome: 'crashed' }).map((e) => e.id),
    [e2],
  );
  assert.deepEqual(
    s.store.epochs.list({ since: '2026-01-01T01:00:00.000Z' }).map((e) => e.id),
    [e3, e2],
  );
  assert.deepEqual(
    s.store.epochs.list({ variant: 'speed', limit: 1 }).map((e) => e.id),
    [e3],
  );
  assert.deepEqual(s.store.epochs.list({ campaign: s.campaign + 1 }), []);
  assert.deepEqual(
    s.store.epochs.list({ campaign: s.campaign, outcome: 'completed', variant: 'speed', since: '2025-01-01' }).map((e) => e.id),
    [e1],
  );
  assert.equal(s.store.epochs.listRows({ variant: 'speed' })[1]?.throughput_mean, 250_000.5);
  assert.deepEqual(s.store.epochs.countsForCampaign(s.campaign), [
    { variant: 'glibc', outcome: 'crashed', count: 1 },
    { variant: 'speed', outcome: 'completed', count: 1 },
    { variant: 'speed', outcome: 'running', count: 1 },
  ]);
  s.store.close();
});

test('samples: add durable one by one, duplicates refused, list in order, downsample keeps ends', () => {
  const s = seeded();
  const e = startEpoch(s, 'speed');
  for (let i = 100; i >= 1; i--)
    assert.equal(s.store.samples.add(e, sample(i * 10, i * 1000, { lazyfree_bytes: i === 50 ? null : i })), true);
  assert.equal(s.store.samples.add(e, sample(10, 999)), false);
  const all = s.store.samples.list(e);
  assert.equal(all.length, 100);
  assert.deepEqual(
    all.map((x) => x.t_ms),
    Array.from({ length: 100 }, (_, i) => (i + 1) * 10),
  );
  assert.deepEqual(all[0], sample(10, 1000, { lazyfree_bytes: 1 }));
  assert.equal(all[49]?.lazyfree_bytes, null);
  assert.deepEqual(s.store.samples.add(e, { ...sample(2000, 1), counters: {} }), true);
  const stored = s.store.samples.list(e);
  assert.equal(stored.length, 101);
  assert.deepEqual(stored.at(-1)?.counters, {});
  const ds = downsample(stored, 10);
  assert.equal(ds.length, 10);
  assert.equal(ds[0]?.t_ms, 10);
  assert.equal(ds[9]?.t_ms, 2000);
  assert.ok(ds.every((x, i) => i === 0 || x.t_ms > (ds[i - 1]?.t_ms ?? 0)));
  assert.equal(downsample(stored, 1000).length, 101);
  s.store.close();
});

test('metrics queries: last completed per variant, counts by outcome', () => {
  const s = seeded();
  const a = startEpoch(s, 'speed');
  s.store.epochs.finish(a, { outcome: 'completed', throughput_mean: 1 });
  const b = startEpoch(s, 'speed');
  s.store.epochs.finish(b, { outcome: 'completed', throughput_mean: 2 });
  const c = startEpoch(s, 'speed');
  s.store.epochs.finish(c, { outcome: 'timeout' });
  const g = startEpoch(s, 'glibc');
  s.store.epochs.finish(g, { outcome: 'completed', throughput_mean: 3 });
  startEpoch(s, 'glibc');
  assert.deepEqual(
    s.store.metrics.lastCompletedByVariant().map((e) => [e.variant, e.id, e.throughput_mean]),
    [
      ['glibc', g, 3],
      ['speed', b, 2],
    ],
  );
  assert.deepEqual(s.store.metrics.epochCounts(), [
    { variant: 'glibc', outcome: 'completed', count: 1 },
    { variant: 'glibc', outcome: 'running', count: 1 },
    { variant: 'speed', outcome: 'completed', count: 2 },
    { variant: 'speed', outcome: 'timeout', count: 1 },
  ]);
  s.store.close();
});

test('metrics queries: sums and counts kept for final epochs agree with the whole table while epochs end out of order', () => {
  const s = seeded();
  const db = new Database(s.file, { readonly: true });
  const fields = EPOCH_COUNTERS.map((c) => c.field);
  assert.ok(fields.length > 0);
  const whole = (): { sums: [string, Record<string, number>][]; counts: unknown[] } => ({
    sums: (
      db
        .prepare(
          `SELECT variant, ${fields.map((f) => `COALESCE(SUM(${f}), 0) AS ${f}`).join(', ')} FROM epochs
                   WHERE outcome <> 'running' GROUP BY variant ORDER BY variant`,
        )
        .all() as ({ variant: string } & Record<string, number>)[]
    ).map(({ variant, ...rest }) => [variant, rest]),
    counts: db.prepare('SELECT variant, outcome, COUNT(*) AS count FROM epochs GROUP BY variant, outcome ORDER BY variant, outcome').all(),
  });
  const kept = (): ReturnType<typeof whole> => ({
    sums: s.store.metrics.counterSums().map(({ variant, sums }) => [variant, Object.fromEntries(sums)]),
    counts: s.store.metrics.epochCounts(),
  });
  const counters = (k: number): Record<string, number> => Object.fromEntries(fields.map((f, i) => [f, k * 10 + i]));
  // An old epoch stays running while newer ones start and end: the kept totals may only take epochs below it.
  const old = startEpoch(s, 'speed');
  s.store.epochs.finish(startEpoch(s, 'glibc'), { outcome: 'completed', ...counters(1) });
  assert.deepEqual(kept(), whole());
  const later = startEpoch(s, 'speed');
  s.store.epochs.finish(later, { outcome: 'timeout', ...counters(2) });
  assert.deepEqual(kept(), whole());
  s.store.epochs.finish(old, { outcome: 'completed', ...counters(3) });
  assert.deepEqual(kept(), whole());
  const running = startEpoch(s, 'glibc');
  assert.deepEqual(kept(), whole());
  s.store.epochs.finish(running, { outcome: 'failed', ...counters(4) });
  assert.deepEqual(kept(), whole());
  assert.deepEqual(kept().counts, [
    { variant: 'glibc', outcome: 'completed', count: 1 },
    { variant: 'glibc', outcome: 'failed', count: 1 },
    { variant: 'speed', outcome: 'completed', count: 1 },
    { variant: 'speed', outcome: 'timeout', count: 1 },
  ]);
  assert.equal(kept().sums.find(([v]) => v === 'speed')?.[1][fields[0]!], 30 + 20);
  // A restarted daemon starts with nothing kept and reads the same figures.
  s.store.close();
  const reopened = openStore(s.file);
  assert.deepEqual(
    {
      sums: reopened.metrics.counterSums().map(({ variant, sums }) => [variant, Object.fromEntries(sums)]),
      counts: reopened.metrics.epochCounts(),
    },
    whole(),
  );
  reopened.close();
  db.close();
});

test("every connection, the verdict worker's read-only one too, bounds its page cache to PAGE_CACHE_KIB", () => {
  const s = seeded();
  assert.equal(s.store.db.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB);
  const reader = openDatabase(s.file, { readonly: true });
  assert.equal(reader.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB);
  reader.close();
  s.store.close();
});

test('start-up recovery: running epochs become interrupted with the ops and time of their last sample', () => {
  const s = seeded();
  const done = startEpoch(s, 'speed');
  s.store.epochs.finish(done, { outcome: 'completed' });
  const cut = startEpoch(s, 'glibc', '2026-01-01T00:00:00.000Z');
  s.store.samples.add(cut, sample(1000, 5000));
  s.store.samples.add(cut, sample(1500, 7000));
  const empty = startEpoch(s, 'speed', '2026-01-01T00:10:00.000Z');
  s.store.close();

  const reopened = openStore(s.file);
  assert.equal(reopened.epochs.markRunningInterrupted(), 2);
  assert.equal(reopened.epochs.markRunningInterrupted(), 0);
  const c = reopened.epochs.getRow(cut);
  assert.equal(c?.outcome, 'interrupted');
  assert.match(c?.outcome_reason ?? '', /daemon stopped during this epoch/);
  assert.equal(c?.ops, 7000);
  assert.equal(c?.elapsed_ms, 1500);
  assert.equal(c?.ended_at, '2026-01-01T00:00:01.500Z');
  const e = reopened.epochs.getRow(empty);
  assert.equal(e?.outcome, 'interrupted');
  assert.equal(e?.ended_at, '2026-01-01T00:10:00.000Z');
  assert.equal(e?.ops, null);
  assert.equal(reopened.epochs.getRow(done)?.outcome, 'completed');
  assert.equal(reopened.samples.list(cut).length, 2);
  reopened.close();
});
