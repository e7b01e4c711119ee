import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../src/domain/types.js';
import { analyzeEpoch, intervalThroughputs, thin } from '../../src/analysis/index.js';
import { EPOCH_ANALYSIS_COLUMNS } from '../../src/domain/epoch-fields.js';
import { openStore } from '../../src/storage/index.js';
import { tempDbPath, testPlan } from '../storage/helpers.js';

function s(t_ms: number, ops: number, rss: number | null = 10_000_000, extra: Partial<Sample> = {}): Sample {
  return {
    t_ms,
    ops,
    ops_per_sec: null,
    rss_bytes: rss,
    hwm_bytes: null,
    rss_anon_bytes: null,
    pss_bytes: null,
    lazyfree_bytes: null,
    cpu_ms: null,
    counters: {},
    ...extra,
  };
}

function close(actual: number | null, expected: number, tol = 1e-9): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

const zeros = { mmap: 0, munmap: 0, madvise: 0, mremap: 0, brk: 0 };

test('constant throughput after warm-up: CV 0, every percentile equal; warm-up intervals excluded', () => {
  const samples: Sample[] = [];
  // Warm-up (t < 2000): slow and with a huge RSS; then 5000 ops/s and a flat 10 MB.
  samples.push(s(1000, 100, 900_000_000));
  for (let t = 2000; t <= 20_000; t += 1000) samples.push(s(t, 100 + 5 * (t - 2000)));
  const a = analyzeEpoch(samples, { warmupMs: 2000, intervalMs: 1000 });
  assert.equal(a.throughput_mean, 5000);
  assert.equal(a.throughput_median, 5000);
  assert.equal(a.throughput_cv, 0);
  for (const p of [a.throughput_p1, a.throughput_p5, a.throughput_p50, a.throughput_p95, a.throughput_p99]) assert.equal(p, 5000);
  assert.equal(a.rss_initial_bytes, 10_000_000);
  assert.equal(a.rss_peak_bytes, 10_000_000, 'the warm-up peak is excluded');
  assert.equal(a.rss_drift_pct, 0);
  assert.equal(a.rss_slope_bytes_per_hour, 0);
  assert.equal(a.ops, 100 + 5 * 18_000);
  assert.equal(a.elapsed_ms, 20_000);
  assert.equal(a.analysis_note, null);
  // Without the warm-up the slow first interval would count.
  const b = analyzeEpoch(samples, { warmupMs: 0, intervalMs: 1000 });
  assert.ok((b.throughput_cv ?? 0) > 0.1);
  assert.equal(b.rss_peak_bytes, 900_000_000);
});

test('throughput statistics on a known spread: mean, median, CV and type-7 percentiles', () => {
  // Intervals of 1 s with 1..100 ops/s (shuffled order must not matter for percentiles).
  const rates = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  const samples: Sample[] = [s(0, 0)];
  let ops = 0;
  rates.forEach((r, i) => {
    ops += r;
    samples.push(s((i + 1) * 1000, ops));
  });
  const a = analyzeEpoch(samples, { warmupMs: 0, intervalMs: 1000 });
  assert.deepEqual(intervalThroughputs(samples), rates);
  close(a.throughput_mean, 50.5);
  close(a.throughput_median, 50.5);
  close(a.throughput_p1, 1 + 0.99 * 1);
  close(a.throughput_p5, 1 + 4.95);
  close(a.throughput_p95, 1 + 94.05);
  close(a.throughput_p99, 1 + 98.01);
  const sd = Math.sqrt(rates.reduce((acc, r) => acc + (r - 50.5) ** 2, 0) / 99);
  close(a.throughput_cv, sd / 50.5);
});

test('linear RSS growth over an hour: Theil–Sen slope and drift exact, long series thinned', () => {
  // 1 s samples for 1 h: RSS = 50 MB + 1000 bytes/s → 3.6 MB/h; warm-up 2 min.
  const samples: Sample[] = [];
  for (let t = 0; t <= 3_600_000; t += 1000) samples.push(s(t, t * 10, 50_000_000 + t));
  const a = analyzeEpoch(samples, { warmupMs: 120_000, intervalMs: 1000 });
  close(a.rss_slope_bytes_per_hour, 3_600_000, 1e-9);
  close(a.rss_slope_low, 3_600_000, 1e-9);
  close(a.rss_slope_high, 3_600_000, 1e-9);
  assert.equal(a.rss_initial_bytes, 50_120_000);
  assert.equal(a.rss_final_bytes, 53_600_000);
  assert.equal(a.rss_peak_bytes, 53_600_000);
  close(a.rss_drift_pct, ((53_600_000 - 50_120_000) / 50_120_000) * 100);
  assert.equal(thin(samples, 400).length <= 400, true);
  assert.equal(thin(samples, 400).at(-1), samples.at(-1));
});

test('a noisy slow leak: the slope interval covers the true slope and excludes 0', () => {
  const samples: Sample[] = [];
  // 480 KB/h over 10 minutes with ±64 KiB deterministic noise.
  for (let t = 0; t <= 600_000; t += 1000) {
    const noise = (((t / 1000) * 7919) % 33) - 16;
    samples.push(s(t, t, 20_000_000 + Math.round((480_000 * t) / 3_600_000) + noise * 4096));
  }
  const a = analyzeEpoch(samples, { warmupMs: 60_000, intervalMs: 1000 });
  assert.ok(a.rss_slope_low !== null && a.rss_slope_high !== null);
  assert.ok(a.rss_slope_low <= 480_000 && a.rss_slope_high >= 480_000, `[${a.rss_slope_low}, ${a.rss_slope_high}]`);
  assert.ok(a.rss_slope_low > 0);
});

test('growth that stops (an allocator settling after a burst) has a flat late slope; a leak keeps its slope late', () => {
  const settle: Sample[] = [];
  const leak: Sample[] = [];
  for (let t = 0; t <= 600_000; t += 1000) {
    // Settling: +2 MB over the first half of the measured part (t 60–330 s), then flat. Leak: 480 KB/h throughout.
    settle.push(s(t, t, 20_000_000 + Math.min(Math.max(t - 60_000, 0), 270_000) * 8));
    leak.push(s(t, t, 20_000_000 + Math.floor((480_000 * t) / 3_600_000 / 4096) * 4096));
  }
  const a = analyzeEpoch(settle, { warmupMs: 60_000, intervalMs: 1000 });
  assert.ok((a.rss_slope_low ?? 0) > 0, 'the whole-window slope of a settling allocator is positive');
  assert.equal(a.rss_slope_late_bytes_per_hour, 0);
  const b = analyzeEpoch(leak, { warmupMs: 60_000, intervalMs: 1000 });
  assert.ok(Math.abs((b.rss_slope_late_bytes_per_hour ?? 0) - 480_000) < 0.1 * 480_000, String(b.rss_slope_late_bytes_per_hour));
});

test("ops per CPU-second over the measured part, from the workload's cpu_ms; null when it does not report it", () => {
  const samples: Sample[] = [];
  // 1000 ops per wall second; the workload got the CPU for only half of each second, so 2000 ops per CPU-second.
  for (let t = 0; t <= 10_000; t += 1000) samples.push(s(t, t, 10_000_000, { cpu_ms: t / 2 }));
  const a = analyzeEpoch(samples, { warmupMs: 2000, intervalMs: 1000 }, undefined, { ops: 10_500, elapsed_ms: 10_500, cpu_ms: 5_100 });
  close(a.cpu_ms, 5100 - 1000);
  close(a.throughput_cpu, ((10_500 - 2000) * 1000) / 4100);
  close(a.throughput_mean, 1000);
  assert.equal(a.throughput_cpu_cv, 0);
  const none = analyzeEpoch(
    samples.map((x) => ({ ...x, cpu_ms: null })),
    { warmupMs: 2000, intervalMs: 1000 },
  );
  assert.equal(none.cpu_ms, null);
  assert.equal(none.throughput_cpu, null);
  assert.equal(none.throughput_cpu_cv, null);
});

test('held memory: the median of RSS − LazyFree after the warm-up, unmoved by a burst', () => {
  const samples: Sample[] = [];
  // 4 MiB held, a 64 MiB burst at t = 5 s, 2 MiB of it still in RSS as LazyFree afterwards.
  for (let t = 0; t <= 10_000; t += 1000) {
    const rss = t === 5000 ? 68 * 1048576 : t > 5000 ? 6 * 1048576 : 4 * 1048576;
    samples.push(s(t, t, rss, { lazyfree_bytes: t > 5000 ? 2 * 1048576 : 0 }));
  }
  const a = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 1000 });
  assert.equal(a.rss_held_bytes, 4 * 1048576);
  assert.equal(a.rss_peak_bytes, 68 * 1048576);
});

test('held-memory drift: a 32 MB burst live at the last sample drifts the endpoints by thousands of percent, not held memory', () => {
  const MiB = 1048576;
  // glibc as the issue saw it: ~1 MiB held, a 32 MiB burst every 5 s sampled every 500 ms, one sample in
  // each burst, the last sample inside one (the endpoints read +3,200 %).
  const samples: Sample[] = [];
  for (let t = 500; t <= 20_000; t += 500) samples.push(s(t, t, t % 5000 === 0 ? 33 * MiB : MiB));
  const a = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 500 });
  assert.ok((a.rss_drift_pct ?? 0) > 3000, `endpoint drift ${a.rss_drift_pct}`);
  close(a.rss_held_drift_pct, 0, 1e-9);
  // A real leak of held memory (1 MiB → 2 MiB along the epoch) reads as +100 %, bursts or not; LazyFree
  // pages left in RSS after a burst are not held.
  const leak: Sample[] = [];
  for (let t = 1000; t <= 21_000; t += 500) {
    const held = MiB + ((t - 1000) / 20_000) * MiB;
    const burst = t % 5000 === 0 ? 32 * MiB : 0;
    leak.push(s(t, t, held + burst + (t > 5000 ? 3 * MiB : 0), { lazyfree_bytes: t > 5000 ? 3 * MiB : 0 }));
  }
  const b = analyzeEpoch(leak, { warmupMs: 1000, intervalMs: 500 });
  close(b.rss_held_drift_pct, 100, 1e-9);
});

test('LazyFree-adjusted RSS: MADV_FREE pages still counted in RSS are subtracted', () => {
  const samples: Sample[] = [];
  // RSS flat at 10 MB, of which 0 → 4 MB is LazyFree: the real footprint falls from 10 to 6 MB.
  for (let i = 0; i <= 10; i++) samples.push(s(1000 + i * 1000, i * 100, 10_000_000, { lazyfree_bytes: i * 400_000 }));
  const a = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 1000 });
  assert.equal(a.rss_drift_pct, 0);
  assert.equal(a.adj_rss_initial_bytes, 10_000_000);
  assert.equal(a.adj_rss_final_bytes, 6_000_000);
  assert.equal(a.adj_rss_peak_bytes, 10_000_000);
  close(a.adj_rss_drift_pct, -40);
  // No LazyFree readings at all → no adjusted values (not a silent copy of RSS).
  const b = analyzeEpoch(
    samples.map((x) => ({ ...x, lazyfree_bytes: null })),
    { warmupMs: 1000, intervalMs: 1000 },
  );
  assert.equal(b.adj_rss_final_bytes, null);
  assert.equal(b.adj_rss_drift_pct, null);
});

test('syscalls per op after warm-up, counter deltas and per-op rates from the end line', () => {
  const samples = [
    s(0, 0, 1, { counters: { lean_decommit: 0, lean_retire: 0 } }),
    s(1000, 1000, 1, { counters: { lean_decommit: 3, lean_retire: 1, committed_bytes: 4096 } }),
    s(2000, 3000, 1, { counters: { lean_decommit: 5, lean_retire: 1, committed_bytes: 8192 } }),
    s(3000, 5000, 1, { hwm_bytes: 777, counters: { lean_decommit: 9, lean_retire: 2, committed_bytes: 4096 } }),
  ];
  const end = { ops: 6000, elapsed_ms: 3400, counters: { lean_decommit: 11, lean_retire: 3, committed_bytes: 0 } };
  const a = analyzeEpoch(
    samples,
    { warmupMs: 1000, intervalMs: 1000 },
    {
      at_warmup_end: { mmap: 10, munmap: 2, madvise: 0, mremap: 0, brk: 3 },
      at_end: { mmap: 14, munmap: 4, madvise: 5, mremap: 1, brk: 3 },
    },
    end,
  );
  assert.equal(a.ops, 6000);
  assert.equal(a.elapsed_ms, 3400);
  assert.equal(a.hwm_bytes, 777);
  assert.deepEqual(
    [a.syscalls_mmap, a.syscalls_munmap, a.syscalls_madvise, a.syscalls_mremap, a.syscalls_brk, a.syscalls_total],
    [4, 2, 5, 1, 0, 12],
  );
  close(a.syscalls_per_op, 12 / 5000); // measured ops: 6000 at the end - 1000 at the first post-warm-up sample
  assert.equal(a.lean_decommit, 8);
  assert.equal(a.lean_retire, 2);
  assert.deepEqual(JSON.parse(a.counters_json ?? 'null'), {
    delta: { lean_decommit: 8, lean_retire: 2, committed_bytes: -4096 },
    per_op: { lean_decommit: 8 / 5000, lean_retire: 2 / 5000, committed_bytes: -4096 / 5000 },
  });
  assert.equal(a.analysis_note, null);

  // Without an end line: the last sample's ops and counters; without a warm-up snapshot: the whole epoch, noted.
  const b = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 1000 }, { at_end: { ...zeros, mmap: 8, madvise: 2 } });
  assert.equal(b.ops, 5000);
  assert.equal(b.lean_decommit, 6);
  close(b.syscalls_per_op, 10 / 5000);
  assert.match(b.analysis_note ?? '', /syscalls counted over the whole epoch/);
  // No syscall counts at all: columns NULL, not 0.
  const c = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 1000 });
  assert.equal(c.syscalls_total, null);
  assert.equal(c.syscalls_per_op, null);
  // No counters reported (glibc): NULL, not 0.
  const d = analyzeEpoch(
    samples.map((x) => ({ ...x, counters: {} })),
    { warmupMs: 1000, intervalMs: 1000 },
  );
  assert.equal(d.counters_json, null);
  assert.equal(d.lean_decommit, null);
});

test('an epoch shorter than its warm-up uses all samples, counts from the start, and says so', () => {
  const samples = [
    s(500, 500, 100, { counters: { lean_decommit: 1 } }),
    s(1000, 1500, 200, { counters: { lean_decommit: 2 } }),
    s(1500, 2500, 300, { counters: { lean_decommit: 4 } }),
  ];
  const a = analyzeEpoch(samples, { warmupMs: 5000, intervalMs: 500 }, { at_warmup_end: null, at_end: { ...zeros, mmap: 25 } });
  assert.equal(a.throughput_mean, 2000);
  assert.equal(a.rss_initial_bytes, 100);
  assert.equal(a.rss_final_bytes, 300);
  close(a.rss_drift_pct, 200);
  assert.equal(a.lean_decommit, 4, 'counted from the workload start');
  close(a.syscalls_per_op, 25 / 2500);
  assert.match(
    a.analysis_note ?? '',
    /fewer than 2 samples after the 5000 ms warm-up \(last sample at 1500 ms\): statistics use all 3 samples/,
  );
  assert.doesNotMatch(a.analysis_note ?? '', /no count at the end of the warm-up/);
});

test('fractional protocol times (t_ms 1000.132): throughput exact, elapsed_ms whole, stored samples keep the fraction', () => {
  const samples = [s(1000.25, 1000), s(2000.25, 3000), s(3000.75, 5001)];
  const a = analyzeEpoch(samples, { warmupMs: 1000, intervalMs: 1000 }, undefined, { ops: 6000, elapsed_ms: 3400.6 });
  assert.deepEqual(intervalThroughputs(samples), [2000, 2001 / 1.0005]);
  assert.equal(a.elapsed_ms, 3401);
  const store = openStore(tempDbPath());
  const plan = testPlan();
  const c = store.campaigns.create({ source: 'api', plan });
  const v = store.variants.upsert(c, plan.variants[0]!, null);
  const e = store.epochs.start({
    campaign_id: c,
    variant_id: v,
    variant: 'speed',
    round: 1,
    planned_ms: 4000,
    warmup_ms: 1000,
    interval_ms: 1000,
  });
  for (const x of samples) store.samples.add(e, x);
  assert.deepEqual(
    store.samples.list(e).map((x) => x.t_ms),
    [1000.25, 2000.25, 3000.75],
  );
  assert.equal(store.epochs.markRunningInterrupted(), 1);
  assert.equal(store.epochs.getRow(e)?.elapsed_ms, 3001);
  store.close();
});

test('no samples: every statistic NULL and a note; a stall is noted', () => {
  const a = analyzeEpoch([], { warmupMs: 1000, intervalMs: 1000 });
  for (const c of EPOCH_ANALYSIS_COLUMNS) if (c !== 'analysis_note') assert.equal(a[c], null, c);
  assert.equal(a.analysis_note, 'no samples were stored');
  const gap = analyzeEpoch([s(0, 0), s(1000, 10), s(9000, 90), s(10_000, 100)], { warmupMs: 0, intervalMs: 1000 });
  assert.equal(gap.throughput_mean, 10);
  assert.match(gap.analysis_note ?? '', /1 gap\(s\) longer than 3 intervals/);
});

test('the analysis is stored as-is by the epoch store', () => {
  const store = openStore(tempDbPath());
  const plan = testPlan();
  const c = store.campaigns.create({ source: 'api', plan });
  const v = store.variants.upsert(c, plan.variants[0]!, null);
  const e = store.epochs.start({
    campaign_id: c,
    variant_id: v,
    variant: 'speed',
    round: 1,
    planned_ms: 4000,
    warmup_ms: 1000,
    interval_ms: 1000,
  });
  const samples = [0, 1000, 2000, 3000, 4000].map((t) => s(t, t * 3, 1000 + t, { counters: { lean_decommit: t / 1000 } }));
  for (const x of samples) store.samples.add(e, x);
  const analysis = analyzeEpoch(
    store.samples.list(e),
    { warmupMs: 1000, intervalMs: 1000 },
    { at_warmup_end: zeros, at_end: { ...zeros, brk: 3 } },
  );
  store.epochs.finish(e, { outcome: 'completed', ...analysis });
  const row = store.epochs.getRow(e);
  assert.ok(row);
  for (const col of EPOCH_ANALYSIS_COLUMNS) assert.deepEqual(row[col], analysis[col], col);
  assert.equal(row.throughput_mean, 3000);
  assert.deepEqual(store.epochs.get(e)?.counters, { delta: { lean_decommit: 3 }, per_op: { lean_decommit: 3 / 9000 } });
  store.close();
});

test('true peak: VmHWM after the warm-up reset, the largest sample kept apart; a refused reset says what was used instead', () => {
  const MiB = 1048576;
  // Warm-up peaks at 100 MiB (VmHWM 100 MiB); the reset at t=1000 brings VmHWM down to RSS, and a 36 MiB burst
  // between the samples at 2000 and 3000 shows only in VmHWM.
  const samples = [
    s(500, 10, 100 * MiB, { hwm_bytes: 100 * MiB }),
    s(1000, 20, 4 * MiB, { hwm_bytes: 100 * MiB }),
    s(2000, 30, 4 * MiB, { hwm_bytes: 4 * MiB }),
    s(3000, 40, 5 * MiB, { hwm_bytes: 40 * MiB }),
    s(4000, 50, 4 * MiB, { hwm_bytes: 40 * MiB }),
  ];
  const opts = { warmupMs: 1000, intervalMs: 1000 };
  const reset = analyzeEpoch(samples, { ...opts, peakReset: { t_ms: 1000, refused: null } });
  assert.equal(reset.rss_hwm_bytes, 40 * MiB);
  assert.equal(reset.hwm_reset, 1);
  assert.equal(reset.rss_peak_bytes, 5 * MiB, 'the largest sample stays a secondary field');
  assert.equal(reset.analysis_note, null);

  const refused = analyzeEpoch(samples, { ...opts, peakReset: { t_ms: 1000, refused: 'writing 5 to /proc/1/clear_refs failed (EACCES)' } });
  assert.equal(refused.hwm_reset, 0);
  assert.equal(refused.rss_hwm_bytes, 40 * MiB, 'VmHWM since the start (the last reading)');
  assert.match(refused.analysis_note ?? '', /peak reset refused: .*EACCES.*VmHWM since the workload started \(warm-up included\)/);

  const noHwm = analyzeEpoch(
    samples.map((x) => ({ ...x, hwm_bytes: null })),
    { ...opts, peakReset: { t_ms: 1000, refused: 'no /proc/1/clear_refs (ENOENT)' } },
  );
  assert.equal(noHwm.rss_hwm_bytes, 5 * MiB);
  assert.match(noHwm.analysis_note ?? '', /the peak is the largest sample/);

  const notTried = analyzeEpoch(samples, { ...opts, peakReset: null });
  assert.equal(notTried.hwm_reset, null);
  assert.match(notTried.analysis_note ?? '', /VmHWM was not reset at the warm-up end/);

  const unknown = analyzeEpoch(samples, opts);
  assert.equal(unknown.rss_hwm_bytes, null, 'without word of a reset the analysis claims no true peak');
  assert.equal(unknown.hwm_reset, null);
});
