/** Known-answer tests of the rank statistics, each value computed by hand (derivation in the comments). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannWhitney } from '../../src/stats/mann-whitney.js';
import { signedRank } from '../../src/stats/signed-rank.js';
import { hodgesLehmannCenter, hodgesLehmannShift } from '../../src/stats/hodges-lehmann.js';
import { brownForsythe } from '../../src/stats/spread.js';
import { pettitt } from '../../src/stats/pettitt.js';
import { erfc, normalTwoSidedP } from '../../src/stats/normal.js';
import { regularizedIncompleteBeta, fSurvival } from '../../src/stats/special.js';
import { bootstrapGroups, createRng } from '../../src/stats/bootstrap.js';
import { observationsToSettle } from '../../src/stats/sample-size.js';
import { rank } from '../../src/stats/ranks.js';
import { median } from '../../src/stats/descriptive.js';

const close = (a: number, b: number, tol = 1e-9, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('midranks with ties', () => {
  const r = rank([10, 20, 20, 30, 30, 30]);
  assert.deepEqual(r.ranks, [1, 2.5, 2.5, 5, 5, 5]);
  assert.deepEqual(r.tieGroups, [1, 2, 3]);
});

test('Mann–Whitney exact: complete separation of 3 vs 3 is p = 2/C(6,3) = 0.1', () => {
  const r = mannWhitney([1, 2, 3], [4, 5, 6]);
  assert.equal(r.method, 'exact');
  assert.equal(r.u, 0);
  assert.equal(r.uY, 9);
  close(r.p, 2 / 20);
  assert.equal(r.probabilityYGreater, 1);
});

test('Mann–Whitney exact: one inversion in 4 vs 4 is p = 2·2/C(8,4) = 4/70', () => {
  // U = 1 (4.4 > 3.5); P(U ≤ 1) = 2/70 (U = 0 and U = 1 each arise from one arrangement); two-sided doubles it.
  const r = mannWhitney([1.1, 2.2, 3.3, 4.4], [3.5, 5, 6, 7]);
  assert.equal(r.u, 1);
  close(r.p, 4 / 70);
});

test('Mann–Whitney exact with ties is the conditional permutation distribution', () => {
  // Midranks of {1,2,3 | 2,3,4}: 1, 2.5, 2.5, 4.5, 4.5, 6; R1 = 8, mean 10.5. Of the 20 three-subsets,
  // 10 have |sum − 10.5| ≥ 2.5 (sum 6: 1, sum 8: 4, sum 13: 4, sum 15: 1): p = 0.5.
  const r = mannWhitney([1, 2, 3], [2, 3, 4]);
  assert.equal(r.u, 2);
  close(r.p, 0.5);
});

test('Mann–Whitney normal approximation with tie and continuity corrections', () => {
  // U = 2, mean 4.5, var = (9/12)(7 − 12/30) = 4.95; z = (2.5 − 0.5)/√4.95 = 0.898933; p = 0.368688.
  const r = mannWhitney([1, 2, 3], [2, 3, 4], { exactMaxTotal: 0 });
  assert.equal(r.method, 'normal');
  close(Math.abs(r.z), 2 / Math.sqrt(4.95), 1e-12);
  close(r.p, 0.36868826936178156, 1e-7);
});

test('Wilcoxon signed-rank exact', () => {
  // All five positive: W+ = 15, P = 2/2^5.
  const a = signedRank([1, 2, 3, 4, 5]);
  assert.equal(a.wPlus, 15);
  close(a.p, 0.0625);
  // One negative rank 2: W+ = 19; subsets of 1..6 with sum ≤ 2 are {}, {1}, {2}: p = 2·3/64.
  const b = signedRank([1, -2, 3, 4, 5, 6]);
  assert.equal(b.wPlus, 19);
  close(b.p, 6 / 64);
  // Zeros are dropped.
  assert.equal(signedRank([0, 0, 1]).n, 1);
});

test('Hodges–Lehmann two-sample shift and its exact interval', () => {
  // Differences y − x of {1,2,3} vs {4,5,6}: 1,2,2,3,3,3,4,4,5 → median 3.
  // 80 %: P(U ≤ 1) = 2/20 = 0.1 ≤ 0.1 → k = 2 → [D(2), D(8)] = [2, 4], achieved 1 − 2·0.1 = 0.8.
  const s = hodgesLehmannShift([1, 2, 3], [4, 5, 6], { confidence: 0.8 });
  assert.equal(s.estimate, 3);
  assert.equal(s.low, 2);
  assert.equal(s.high, 4);
  close(s.confidence, 0.8);
  // 95 % is impossible with 3 + 3 (smallest tail 1/20 > 0.025): infinite interval.
  const t = hodgesLehmannShift([1, 2, 3], [4, 5, 6], { confidence: 0.95 });
  assert.equal(t.low, Number.NEGATIVE_INFINITY);
  assert.equal(t.high, Number.POSITIVE_INFINITY);
});

test('Hodges–Lehmann 10 vs 10 at 95 % uses the tabled critical value U = 23', () => {
  // y = x + 5: differences are 5 + d, d = −9..9 with multiplicity 10 − |d|. Table: U_crit(10,10; 0.05) = 23,
  // so k = 24: D(24) is d = −3 (cumulative counts 1,3,6,10,15,21,28) → 2, D(77) → 8.
  const x = Array.from({ length: 10 }, (_, i) => i + 1);
  const y = x.map((v) => v + 5);
  const s = hodgesLehmannShift(x, y, { confidence: 0.95 });
  assert.equal(s.estimate, 5);
  assert.equal(s.low, 2);
  assert.equal(s.high, 8);
  assert.ok(s.confidence >= 0.95);
});

test('Hodges–Lehmann one-sample centre (median of Walsh averages)', () => {
  // Walsh averages of 1,2,3: 1, 1.5, 2, 2, 2.5, 3 → 2.
  assert.equal(hodgesLehmannCenter([1, 2, 3]).estimate, 2);
  // n = 6 at 95 %: P(T ≤ 0) = 1/64 ≤ 0.025 < P(T ≤ 1) = 2/64 → k = 1: the extreme Walsh averages.
  const c = hodgesLehmannCenter([1, 2, 3, 4, 5, 6], { confidence: 0.95 });
  assert.equal(c.low, 1);
  assert.equal(c.high, 6);
  close(c.confidence, 1 - 2 / 64);
});

test('Brown–Forsythe F and p', () => {
  // |x − median|: {1,0,1} and {2,0,2}; means 2/3 and 4/3; SSB = 2/3, SSW = 10/3; F = (2/3)/(10/12) = 0.8.
  // F(1,4) = t4²: p = 1 − u(3 − u²)/2 with u = √(0.8/4.8) → 0.4216483.
  const r = brownForsythe([
    [1, 2, 3],
    [1, 3, 5],
  ]);
  close(r.f, 0.8, 1e-12);
  const u = Math.sqrt(0.8 / 4.8);
  close(r.p, 1 - (u * (3 - u * u)) / 2, 1e-9);
});

test('special functions', () => {
  // I_0.5(2,3) = (C(4,2) + C(4,3) + C(4,4)) / 16.
  close(regularizedIncompleteBeta(0.5, 2, 3), 11 / 16, 1e-12);
  // P(Z ≤ −3) = erfc(3/√2) / 2.
  close(erfc(3 / Math.SQRT2) / 2, 0.0013498980316300933, 1e-12);
  close(normalTwoSidedP(1.959963984540054), 0.05, 1e-9);
  // F(2, d2) has a closed form: P(F > f) = (1 + 2f/d2)^(−d2/2).
  close(fSurvival(3.7, 2, 17), Math.pow(1 + (2 * 3.7) / 17, -17 / 2), 1e-10);
});

test('Pettitt finds a step and its position', () => {
  // Perfect step after 5 values: U_5 = 25 = K; p ≈ 2·exp(−6·625/1100).
  const r = pettitt([1, 2, 3, 4, 5, 11, 12, 13, 14, 15]);
  assert.equal(r.index, 5);
  assert.equal(r.statistic, 25);
  close(r.p, 2 * Math.exp((-6 * 625) / 1100), 1e-12);
  assert.equal(r.shift, 10);
  const perm = pettitt([1, 2, 3, 4, 5, 11, 12, 13, 14, 15], { permutations: 999, seed: 7 });
  assert.ok(perm.p < 0.05, `permutation p ${perm.p}`);
  assert.equal(pettitt([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], { permutations: 499, seed: 7 }).p > 0.2, true);
});

test('seeded bootstrap is reproducible and covers the truth', () => {
  const rng = createRng(42);
  const a = Array.from({ length: 30 }, () => 10 + rng());
  const run = (seed: number) => bootstrapGroups([a], (g) => median(g[0] as number[]), { seed, replicates: 500 });
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1).low, run(2).low);
  const r = run(1);
  assert.ok(r.low <= 10.5 && r.high >= 10.5, `${r.low}..${r.high}`);
});

test('observations to settle scale with (z_a + z_b)²·se²/distance²', () => {
  // se = 0.0196/1.96 = 0.01, distance 0.01 → total = 10·(2.8016)² = 78.5 → 79, further 69.
  const s = observationsToSettle({ n: 10, estimate: 0, bound: -0.0196, threshold: -0.01, confidence: 0.95, power: 0.8 });
  assert.deepEqual(s, { total: 79, further: 69, capped: false });
  // Twice the distance needs a quarter of the observations: 10·(2.8016·0.01/0.02)² = 19.6 → 20.
  assert.deepEqual(observationsToSettle({ n: 10, estimate: 0, bound: -0.0196, threshold: -0.02, confidence: 0.95, power: 0.8 }), {
    total: 20,
    further: 10,
    capped: false,
  });
  assert.ok(observationsToSettle({ n: 10, estimate: -0.01, bound: -0.02, threshold: -0.01, confidence: 0.95 }).capped);
});
