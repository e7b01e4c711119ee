/**
 * The adaptive schedule's looks: a grid that spends at most the plan's error in all, and verdicts that stay
 * valid when a comparison is looked at round after round and stopped as soon as it settles. The proof is a
 * simulation: streams whose true ratio sits exactly on the slowdown tolerance, where every NO-GO is false.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeAtLooks, plannedLooks, sharedRounds } from '../../src/judgement/index.js';
import { createRng } from '../../src/stats/bootstrap.js';
import { hodgesLehmannCenter } from '../../src/stats/hodges-lehmann.js';
import { firstPairs, measuredPairs } from '../../src/judgement/adaptive.js';
import { lookReached, settlingLook } from '../../src/judgement/looks.js';
import type { JudgedEpoch } from '../../src/judgement/epochs.js';
import { gaussian, synthesize } from './synthetic.js';

test('the look grid: first look where the exact interval exists, growing by half, spending at most 1 − confidence', () => {
  const looks = plannedLooks(0.95, 5);
  assert.deepEqual(
    looks.slice(0, 6).map((l) => l.n),
    [7, 11, 17, 26, 39, 59],
  );
  assert.equal(looks[0]?.confidence, 0.975);
  const spent = looks.reduce((a, l) => a + (1 - l.confidence), 0);
  assert.ok(spent <= 0.05 + 1e-12 && spent > 0.048, `spent ${spent}`);
  // min_epochs above the exact-interval floor starts the grid there.
  assert.equal(plannedLooks(0.95, 10)[0]?.n, 10);
  assert.equal(lookReached(looks, 6), null);
  assert.equal(lookReached(looks, 16)?.n, 11);
  // A later look spends less, so it needs more pairs for the same effect.
  const later = looks.filter((l) => l.n > 11);
  assert.equal(settlingLook(later, 17)?.n, 17);
  assert.equal(settlingLook(later, 18)?.n, 26);
  assert.equal(settlingLook(later, 10)?.n, 17);
});

const speed = { baseline: 'A', candidate: 'B', goal: 'speed' as const, criteria: {} };

function stream(seed: number, ratio: number, rounds: number): JudgedEpoch[] {
  return synthesize({
    seed,
    rounds,
    noise: 0.004,
    machine: 0.03,
    variants: [
      { name: 'A', throughput: 1e6, rssPeak: 4 << 20 },
      { name: 'B', throughput: 1e6 * ratio, rssPeak: 4 << 20 },
    ],
  });
}

const upTo = (rows: readonly JudgedEpoch[], n: number): JudgedEpoch[] => rows.filter((e) => (e.round as number) <= n);
const arm = (rows: readonly JudgedEpoch[], v: string): JudgedEpoch[] => rows.filter((e) => e.variant === v);

test('optional stopping: looks keep false NO-GOs under their bound where a 95 % verdict after every round does not', () => {
  // Per-pair log ratios whose true centre sits exactly on the 0.25 % tolerance, so that every NO-GO (the
  // whole interval below it) is false. Each stream is looked at after every round up to 40 and stopped at
  // its first NO-GO: with the verdict's own interval (Hodges–Lehmann, Tukey's exact bounds) at 95 % after
  // every round, and at the planned looks only, at their confidence.
  const tolerance = Math.log(0.9975);
  const looks = plannedLooks(0.95, 5);
  const rng = createRng(42);
  const streams = 200;
  let naive = 0;
  let looked = 0;
  for (let s = 0; s < streams; s++) {
    const d = Array.from({ length: 40 }, () => tolerance + 0.005 * gaussian(rng));
    let naiveHit = false;
    for (let n = 5; n <= d.length && !naiveHit; n++) naiveHit = hodgesLehmannCenter(d.slice(0, n), { confidence: 0.95 }).high < tolerance;
    if (naiveHit) naive++;
    if (looks.some((l) => l.n <= d.length && hodgesLehmannCenter(d.slice(0, l.n), { confidence: l.confidence }).high < tolerance)) looked++;
  }
  // The looks' bound for a false NO-GO is α/2 = 2.5 %; allow the sampling error of 200 streams.
  assert.ok(looked / streams <= 0.04, `looks: ${looked}/${streams} false NO-GO`);
  assert.ok(naive / streams >= 0.06 && naive > 3 * looked, `after every round: ${naive}/${streams}, looks ${looked}/${streams}`);
});

test('a real −1 % settles NO-GO at the first look, and a comparison between looks keeps its last look', () => {
  const rows = stream(7, 0.99, 16);
  const v = judgeAtLooks(arm(rows, 'A'), arm(rows, 'B'), speed, true);
  assert.equal(v.verdict, 'NO-GO');
  assert.equal(v.look?.n, 11);
  assert.equal(v.epochs.pairs, 11, 'judged on the first 11 pairs only');
  assert.equal(v.epochs_needed_per_arm, null);
  const early = upTo(rows, 6);
  const before = judgeAtLooks(arm(early, 'A'), arm(early, 'B'), speed, true);
  assert.equal(before.verdict, 'INSUFFICIENT');
  assert.equal(before.look, null);
  assert.equal(before.epochs_needed_per_arm, 1, 'one more pair reaches the first look at 7');
  // The whole pipeline: 11 pairs judged on what the look saw, whatever came after.
  assert.equal(judgeAtLooks(arm(upTo(rows, 11), 'A'), arm(upTo(rows, 11), 'B'), speed, true).throughput?.ratio, v.throughput?.ratio);
});

test('an open comparison says how many more pairs reach the look that likely settles it', () => {
  // A twin: it can only end NEUTRAL, once the interval fits inside [−0.25 %, +1 %].
  const rows = stream(11, 1.0, 12);
  const v = judgeAtLooks(arm(rows, 'A'), arm(rows, 'B'), speed, true);
  assert.equal(v.verdict, 'INSUFFICIENT');
  const more = v.epochs_needed_per_arm as number;
  const looks = plannedLooks(0.95, 5).map((l) => l.n);
  assert.ok(looks.includes(12 + more), `12 + ${more} pairs is a planned look`);
});

test('duet rounds: a comparison reads only the rounds its two arms ran together; looks truncate to the first pairs', () => {
  const row = (id: number, variant: string, round: number, outcome: JudgedEpoch['outcome'] = 'completed'): JudgedEpoch =>
    ({ id, campaign_id: 1, variant, round, outcome, started_at: new Date(Date.UTC(2026, 10, 29, 0, id)).toISOString() }) as JudgedEpoch;
  // Round 1: A+B, round 2: A+C, round 3: A+B (B crashed), round 4: A+B.
  const a = [row(1, 'A', 1), row(3, 'A', 2), row(5, 'A', 3), row(7, 'A', 4)];
  const b = [row(2, 'B', 1), row(6, 'B', 3, 'crashed'), row(8, 'B', 4)];
  const [sa, sb] = sharedRounds(a, b);
  assert.deepEqual(
    sa.map((e) => e.round),
    [1, 3, 4],
  );
  assert.equal(sb.length, 3);
  assert.equal(measuredPairs(sa, sb, true), 2, 'rounds both arms completed');
  const kept = firstPairs(sa, sb, 1, true).map((e) => `${e.variant}${e.round}`);
  assert.deepEqual(kept.sort(), ['A1', 'B1', 'B3'], 'the first pair, and the crash (a guardrail wherever it falls)');
});
