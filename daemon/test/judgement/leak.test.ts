/** Leak detection within an epoch (robust slope with a floor) and across epochs (trend, change point). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/stats/bootstrap.js';
import {
  epochLeakCheck,
  epochLeaks,
  judgeDrift,
  slopeColumns,
  withinEpochSlope,
  binomialUpperTail,
  type RssSample,
} from '../../src/judgement/leak.js';
import { resolveCriteria } from '../../src/judgement/criteria.js';
import { gaussian, synthesize } from './synthetic.js';

const MB = 1024 * 1024;
const criteria = resolveCriteria('speed');

/** A 10-minute epoch sampled every second: 50 MiB ± 16 KiB noise, a few reclaim spikes, a planted leak. */
function epochSamples(leakBytesPerHour: number, seed: number, spikes = true): RssSample[] {
  const rng = createRng(seed);
  const out: RssSample[] = [];
  for (let t = 0; t <= 600_000; t += 1000) {
    let rss = 50 * MB + (leakBytesPerHour * t) / 3_600_000 + 16 * 1024 * gaussian(rng);
    if (spikes && t % 97_000 === 0 && t > 0) rss -= 2 * MB; // MADV_FREE reclaim dip
    if (spikes && t === 599_000) rss += 3 * MB; // a burst right at the end
    out.push({ t_ms: t, rss_bytes: Math.round(rss) });
  }
  return out;
}

/** Ordinary least-squares slope in bytes/hour (what a least-squares gate reads). */
function olsSlope(samples: readonly RssSample[]): number {
  const xs = samples.map((s) => s.t_ms / 3_600_000);
  const ys = samples.map((s) => s.rss_bytes as number);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] as number) - my);
    sxx += (x - mx) * (x - mx);
  });
  return sxy / sxx;
}

test('a slow leak (480 KB/h) is flagged within one 10-minute epoch, where the endpoint drift cannot tell it from a clean epoch', () => {
  const samples = epochSamples(480_000, 1);
  const s = withinEpochSlope(samples, 60_000);
  assert.ok(Math.abs(s.slope - 480_000) < 60_000, `slope ${s.slope}`);
  assert.ok(epochLeaks(slopeColumns(s), criteria), `low ${s.low}, late ${s.late} vs floor ${criteria.leak_floor_bytes_per_hour}`);
  // The endpoint drift is swamped by the final burst: +6 % here, −4 % if the burst were a dip; a 1 % gate
  // on it raises false alarms on clean epochs just as well (see below), so it must sit far higher.
  const post = samples.filter((x) => x.t_ms >= 60_000);
  const first = post[0]?.rss_bytes as number;
  const last = post[post.length - 1]?.rss_bytes as number;
  const cleanPost = epochSamples(0, 2).filter((x) => x.t_ms >= 60_000);
  const cleanDrift =
    ((cleanPost[cleanPost.length - 1]?.rss_bytes as number) - (cleanPost[0]?.rss_bytes as number)) / (cleanPost[0]?.rss_bytes as number);
  assert.ok(Math.abs((last - first) / first - cleanDrift) < 0.01, 'endpoint drift cannot tell the leak from the clean epoch');
  // Least squares is dragged by the spikes (here by the final burst) far more than the robust slope.
  const post60 = samples.filter((x) => x.t_ms >= 60_000);
  assert.ok(Math.abs(olsSlope(post60) - 480_000) > 3 * Math.abs(s.slope - 480_000), `ols ${olsSlope(post60)} ts ${s.slope}`);
});

test('clean epochs with noise and reclaim spikes are not flagged', () => {
  let flagged = 0;
  for (let seed = 10; seed < 60; seed++) {
    const s = withinEpochSlope(epochSamples(0, seed), 60_000);
    if (epochLeaks(slopeColumns(s), criteria)) flagged++;
  }
  assert.equal(flagged, 0);
});

test('a fast leak is flagged in a 2-second epoch sampled every 100 ms', () => {
  const samples: RssSample[] = [];
  for (let t = 0; t <= 2000; t += 100) samples.push({ t_ms: t, rss_bytes: 20 * MB + Math.round(t * 10_000) });
  const s = withinEpochSlope(samples, 500);
  assert.ok(epochLeaks(slopeColumns(s), criteria));
  const flat: RssSample[] = samples.map((x, i) => ({ t_ms: x.t_ms, rss_bytes: 20 * MB + (i % 3) * 4096 }));
  assert.equal(epochLeaks(slopeColumns(withinEpochSlope(flat, 500)), criteria), false);
});

test('an allocator filling in its working set after bursts is not a leak; a leak that keeps growing is', () => {
  // A real 10-second epoch of plans/quick.yaml under mimalloc (64 MB bursts every 3 s, warm-up 4 s, samples
  // every 500 ms): each burst leaves a few more KiB mapped. Over 5.5 s that is a slope of hundreds of MiB/h
  // with a lower bound far above the floor, for 556 KiB of growth.
  const kib = [75040, 75040, 75040, 75040, 75100, 75484, 75484, 75484, 75484, 75484, 75496, 75596];
  const quick: RssSample[] = kib.map((k, i) => ({ t_ms: 4000 + i * 500, rss_bytes: k * 1024 }));
  const q = withinEpochSlope(quick, 4000);
  assert.ok(q.low > criteria.leak_floor_bytes_per_hour, `the floor alone would flag it: low ${q.low}`);
  assert.equal(epochLeakCheck(slopeColumns(q), criteria), 'short_window');
  // The same window with an unmistakable leak (2 MB/s, as planted in the tests) is flagged.
  const fast = quick.map((x) => ({
    t_ms: x.t_ms,
    rss_bytes: (x.rss_bytes as number) + Math.floor((2_000_000 * (x.t_ms - 4000)) / 1000 / 4096) * 4096,
  }));
  assert.equal(epochLeakCheck(slopeColumns(withinEpochSlope(fast, 4000)), criteria), 'leak');

  // A 10-minute window: +2 MB over the first half after the warm-up, then flat (settled), against a 480 KB/h leak.
  const settle: RssSample[] = [];
  for (let t = 0; t <= 600_000; t += 1000) settle.push({ t_ms: t, rss_bytes: 20 * MB + Math.min(Math.max(t - 60_000, 0), 270_000) * 8 });
  const s = withinEpochSlope(settle, 60_000);
  assert.ok(s.low > criteria.leak_floor_bytes_per_hour, `whole window alone would flag it: low ${s.low}`);
  assert.equal(s.late, 0);
  assert.equal(epochLeakCheck(slopeColumns(s), criteria), 'stopped_growing');
  assert.equal(epochLeakCheck(slopeColumns(withinEpochSlope(epochSamples(480_000, 1), 60_000)), criteria), 'leak');
  // Rows stored before the late slope existed (schema v2) are judged without the persistence check.
  assert.equal(epochLeaks({ rss_slope_low: s.low, rss_slope_late_bytes_per_hour: null, window_ms: s.window_ms }, criteria), true);
});

test('variant level: a leaking variant is LEAK from one epoch up; a clean one is UNDECIDED until its drift has an interval, then CLEAN', () => {
  const one = synthesize({
    seed: 3,
    rounds: 1,
    variants: [
      { name: 'leaky', throughput: 1e6, rssPeak: 50 * MB, slopeBytesPerHour: 2 * MB },
      { name: 'clean', throughput: 1e6, rssPeak: 50 * MB },
    ],
  });
  const leaky = judgeDrift('leaky', one, { criteria });
  assert.equal(leaky.leak, true);
  assert.equal(leaky.verdict, 'LEAK');
  assert.equal(leaky.epochs[0]?.leak, true);
  const clean = judgeDrift('clean', one, { criteria });
  assert.equal(clean.leak, false);
  assert.equal(clean.verdict, 'UNDECIDED', 'one epoch gives no drift interval: not CLEAN yet');
  // One false flag among twenty clean epochs is expected noise, not a leak.
  const many = synthesize({ seed: 4, rounds: 20, variants: [{ name: 'clean', throughput: 1e6, rssPeak: 50 * MB }] });
  (many[7] as { rss_slope_low: number }).rss_slope_low = 400 * 1024;
  const j = judgeDrift('clean', many, { criteria });
  assert.equal(j.flagged_epochs, 1);
  assert.equal(j.leak, false);
  assert.equal(j.verdict, 'CLEAN');
  assert.ok(binomialUpperTail(1, 20, 0.025) > 0.05);
});

test('a slow step change across epochs is found by the change-point check', () => {
  // Final/initial RSS steps up by 2 % from epoch 11 on, while every epoch alone stays under the floor.
  const epochs = synthesize({
    seed: 5,
    rounds: 20,
    variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, driftPct: (r) => (r > 10 ? 2 : 0) }],
  });
  const j = judgeDrift('v', epochs, { criteria });
  assert.equal(j.flagged_epochs, 0);
  assert.ok(j.series.change_point?.flagged, JSON.stringify(j.series));
  assert.equal(j.series.change_point?.index, 10);
  assert.equal(j.series.change_point?.after_epoch_id, epochs[10]?.id);
  assert.equal(j.leak, true);
  // The same series without the step is clean.
  const flat = synthesize({ seed: 5, rounds: 20, variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB }] });
  const k = judgeDrift('v', flat, { criteria });
  assert.equal(k.series.change_point?.flagged, false);
  assert.equal(k.leak, false);
});

test('a leak that grows a little every night is caught by the trend of final/initial RSS', () => {
  const epochs = synthesize({
    seed: 6,
    rounds: 12,
    variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, driftPct: (r) => 0.3 * r }],
  });
  const j = judgeDrift('v', epochs, { criteria });
  assert.ok(j.series.trend?.flagged, JSON.stringify(j.series.trend));
  assert.equal(j.leak, true);
});

test('persistent per-epoch drift above the tolerance is DRIFT', () => {
  const epochs = synthesize({ seed: 7, rounds: 8, variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, driftPct: 3 }] });
  const j = judgeDrift('v', epochs, { criteria });
  assert.equal(j.drift, true);
  assert.ok((j.drift_pct?.low ?? 0) > 1);
  assert.equal(j.verdict, 'DRIFT');
});

test('no completed epoch is UNDECIDED', () => {
  const epochs = synthesize({ seed: 8, rounds: 2, variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, outcome: () => 'crashed' }] });
  assert.equal(judgeDrift('v', epochs, { criteria }).verdict, 'UNDECIDED');
});

test('three epochs, too few for a drift interval: UNDECIDED with its reason and what would decide, never CLEAN', () => {
  const epochs = synthesize({ seed: 9, rounds: 3, variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, driftPct: 0 }] });
  const j = judgeDrift('v', epochs, { criteria });
  assert.equal(j.verdict, 'UNDECIDED');
  const why = j.reasons.find((r) => r.criterion === 'drift_max_pct');
  assert.equal(why?.status, 'undecided');
  assert.equal(why?.decisive, true);
  assert.match(why?.message ?? '', /too few epochs \(3\) for an interval: \d+ completed epochs would decide/);
});

test('a drift estimate over the limit is never CLEAN: DRIFT when sure, else UNDECIDED', () => {
  // Bursts: some epochs drift thousands of percent (a burst at the last sample), others none.
  const pct = [3338, 3496, 0, 3315, 0, 3400, 2];
  const epochs = synthesize({
    seed: 10,
    rounds: pct.length,
    variants: [{ name: 'v', throughput: 1e6, rssPeak: 50 * MB, driftPct: (r) => pct[r - 1] ?? 0 }],
  });
  const j = judgeDrift('v', epochs, { criteria });
  assert.notEqual(j.verdict, 'CLEAN');
  assert.ok((j.drift_pct?.median ?? 0) > criteria.drift_max_pct);
});

test('glibc with 32 MB bursts: the endpoint drift (+3338 %, +3496 %, 0 %, +3315 %) is not judged; held memory is, and the reasons say which', () => {
  const endpoint = [3338, 3496, 0, 3315, 3400, 0, 3350, 3420];
  const burst = { name: 'glibc', throughput: 1e6, rssPeak: 36 * MB, driftPct: (r: number) => endpoint[r - 1] ?? 0, heldDriftPct: 0.2 };
  const eight = judgeDrift('glibc', synthesize({ seed: 11, rounds: 8, variants: [burst] }), { criteria });
  assert.equal(eight.verdict, 'CLEAN', JSON.stringify(eight.reasons));
  assert.equal(eight.drift_pct?.basis, 'held');
  assert.ok(Math.abs(eight.drift_pct?.median ?? 99) < 1, `judged drift ${eight.drift_pct?.median}`);
  const why = eight.reasons.find((r) => r.criterion === 'drift_max_pct');
  assert.match(why?.message ?? '', /^glibc: held-memory drift -?0\.\d+ % per epoch \[.*\], within the \d+ % limit$/);
  // Across epochs the series is 1 + held drift: the endpoints' 0 % / +3,400 % jumps are no step.
  assert.equal(eight.series.change_point?.flagged, false);
  // Three epochs: UNDECIDED with its reason and what would decide, never CLEAN.
  const three = judgeDrift('glibc', synthesize({ seed: 12, rounds: 3, variants: [burst] }), { criteria });
  assert.equal(three.verdict, 'UNDECIDED');
  const undecided = three.reasons.find((r) => r.status === 'undecided' && r.decisive);
  assert.match(
    undecided?.message ?? '',
    /^glibc: undecided: held-memory drift .* too few epochs \(3\) for an interval: \d+ completed epochs would decide/,
  );
  // Held memory that does drift over the limit is judged so: DRIFT, never CLEAN.
  const growing = judgeDrift('glibc', synthesize({ seed: 13, rounds: 8, variants: [{ ...burst, heldDriftPct: 40 }] }), { criteria });
  assert.equal(growing.verdict, 'DRIFT');
});

test('the median slope over the leak floor with no epoch surely over it is UNDECIDED, not "0 of 2 epochs over the leak floor; median slope 376 MiB/h"', () => {
  // Two short epochs whose RSS slope is 376 MiB/h with an interval reaching far below the floor.
  const epochs = synthesize({ seed: 14, rounds: 2, variants: [{ name: 'glibc', throughput: 1e6, rssPeak: 36 * MB, heldDriftPct: 0 }] }).map(
    (e, i) => ({ ...e, rss_slope_bytes_per_hour: (376 + i) * MB, rss_slope_low: -200 * MB, rss_slope_high: 950 * MB }),
  );
  const j = judgeDrift('glibc', epochs, { criteria });
  assert.equal(j.verdict, 'UNDECIDED');
  const leak = j.reasons.find((r) => r.criterion === 'leak_floor_bytes_per_hour');
  assert.equal(leak?.status, 'undecided');
  assert.match(
    leak?.message ?? '',
    /undecided: median RSS slope .*\/h is over the leak floor 256 KiB\/h, but only 0 of 2 epochs surely over the leak floor/,
  );
  assert.match(leak?.message ?? '', /longer epochs \(narrower intervals\) or more epochs would decide/);
  for (const r of j.reasons) assert.doesNotMatch(r.message, /epochs over the leak floor [^;]*; median slope/);
});
