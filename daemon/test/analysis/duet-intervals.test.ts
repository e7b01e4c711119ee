/** Per-interval paired ratios of a duet round: the arms put on one clock, bucketed to the interval. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockOrigin, duetIntervalRatios } from '../../src/analysis/index.js';
import type { Sample } from '../../src/domain/types.js';

/** Samples every `interval` ms (with `jitter(i)` ms added to t), `rate(i)` ops per CPU-ms in interval i, CPU = wall / `cpuShare`. */
function arm(
  n: number,
  opts: { interval?: number; rate: (i: number) => number; jitter?: (i: number) => number; cpu?: boolean; skip?: number[] },
): Sample[] {
  const interval = opts.interval ?? 100;
  const out: Sample[] = [];
  let ops = 0;
  let cpu = 0;
  let prevT = 0;
  for (let i = 1; i <= n; i++) {
    const t = i * interval + (opts.jitter?.(i) ?? 0);
    const dCpu = (t - prevT) * 0.9;
    ops += Math.round(opts.rate(i) * dCpu);
    cpu += dCpu;
    prevT = t;
    if (opts.skip?.includes(i)) continue;
    out.push({
      t_ms: t,
      ops,
      ops_per_sec: null,
      rss_bytes: null,
      hwm_bytes: null,
      rss_anon_bytes: null,
      pss_bytes: null,
      lazyfree_bytes: null,
      cpu_ms: opts.cpu === false ? null : cpu,
      counters: {},
    });
  }
  return out;
}

test('each interval after warm-up that both arms covered gives candidate / baseline per CPU-second', () => {
  // Both arms slow down together in intervals 5-7 (shared noise); the candidate does 2 % less work per CPU-ms.
  const noise = (i: number): number => (i >= 5 && i <= 7 ? 0.7 : 1);
  const base = arm(10, { rate: (i) => 1000 * noise(i), jitter: (i) => (i % 3) * 4 });
  const cand = arm(10, { rate: (i) => 980 * noise(i), jitter: (i) => (i % 2) * 6 });
  const r = duetIntervalRatios(base, cand, { warmupMs: 200, intervalMs: 100 });
  assert.equal(r.basis, 'cpu');
  assert.equal(r.clock_offset_ms, 0);
  // Intervals start at the first sample at or after warm-up (t 200 + jitter): buckets 3..10.
  assert.deepEqual(
    r.intervals.map((x) => Math.round(x.t_ms / 100)),
    [3, 4, 5, 6, 7, 8, 9, 10],
  );
  for (const x of r.intervals) assert.ok(Math.abs(x.ratio - 0.98) < 0.002, `ratio ${x.ratio} at ${x.t_ms}`);
});

test('the candidate is put on the baseline clock by the offset; a missed sample leaves only its own intervals unpaired', () => {
  // The candidate started 100 ms after the baseline: its interval i is the baseline's interval i + 1, and
  // the machine's speed alternates every interval for both.
  const base = arm(12, { rate: (i) => (i % 2 === 0 ? 2000 : 1000) });
  const cand = arm(10, { rate: (i) => ((i + 1) % 2 === 0 ? 2000 : 1000), skip: [6] });
  const aligned = duetIntervalRatios(base, cand, { warmupMs: 0, intervalMs: 100, offsetMs: 100 });
  assert.equal(aligned.clock_offset_ms, 100);
  // Candidate samples 1..10 fall in buckets 2..11; its sample 6 (bucket 7) is missing: no one-interval step ends in 7 or 8.
  assert.deepEqual(
    aligned.intervals.map((x) => x.t_ms / 100),
    [3, 4, 5, 6, 9, 10, 11],
  );
  for (const x of aligned.intervals) assert.ok(Math.abs(x.ratio - 1) < 0.01, `aligned ratio ${x.ratio}`);
  // Without the offset the arms are out of phase: every ratio is 2 or 1/2.
  const misaligned = duetIntervalRatios(base, cand, { warmupMs: 0, intervalMs: 100 });
  assert.ok(misaligned.intervals.every((x) => Math.abs(Math.log(x.ratio)) > 0.6));
});

test('without CPU time on either arm the ratios are per wall-clock second; no samples, no ratios', () => {
  const base = arm(6, { rate: () => 1000, cpu: false });
  const cand = arm(6, { rate: () => 1100 });
  const r = duetIntervalRatios(base, cand, { warmupMs: 0, intervalMs: 100 });
  assert.equal(r.basis, 'wall');
  assert.equal(r.intervals.length, 5);
  for (const x of r.intervals) assert.ok(Math.abs(x.ratio - 1.1) < 0.002);
  assert.deepEqual(duetIntervalRatios([], cand, { warmupMs: 0, intervalMs: 100 }).intervals, []);
  assert.throws(() => duetIntervalRatios(base, cand, { warmupMs: 0, intervalMs: 0 }), /interval must be positive/);
});

test('a clock origin is the least-delayed receipt: received − t_ms at its smallest', () => {
  assert.equal(clockOrigin([]), null);
  assert.equal(
    clockOrigin([
      { t_ms: 100, received_ms: 1107 },
      { t_ms: 200, received_ms: 1201.5 },
      { t_ms: 300, received_ms: 1340 },
    ]),
    1001.5,
  );
});
