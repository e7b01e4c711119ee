/**
 * bootstrapMedians (counting draws per sorted rank) gives exactly what bootstrapGroups gives when each
 * resample is sorted for its median: the same estimate, bounds and replicate count, bit for bit, on groups
 * with ties, zeros of both signs, odd and even sizes, and a statistic that is sometimes not finite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapGroups, bootstrapMedians, createRng } from '../../src/stats/bootstrap.js';
import { median } from '../../src/stats/descriptive.js';

const ratio = ([a, b]: readonly number[]): number => ((a as number) > 0 ? (b as number) / (a as number) : Number.NaN);

function groupsOf(seed: number, m: number, n: number): number[][] {
  const rng = createRng(seed);
  const cv = (): number => 0.01 + 0.02 * rng();
  const tied = (): number => Math.round(rng() * 4) / 100;
  const zeros = (): number => [0, -0, 0.5, 1][Math.floor(rng() * 4)] as number;
  const pick = [cv, tied, zeros][seed % 3] as () => number;
  return [Array.from({ length: m }, pick), Array.from({ length: n }, pick)];
}

function assertSame(actual: object, expected: object, what: string): void {
  for (const [k, v] of Object.entries(expected)) assert.ok(Object.is((actual as Record<string, unknown>)[k], v), `${what}: ${k}`);
}

test('bootstrapMedians equals bootstrapGroups over sorted resamples, bit for bit', () => {
  for (let seed = 0; seed < 18; seed++) {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [7, 8],
      [40, 41],
      [301, 300],
    ] as const) {
      const groups = groupsOf(seed, m, n);
      const opts = { seed: 1000 + seed, replicates: 300, confidence: 0.9 };
      const slow = bootstrapGroups(groups, (g) => ratio(g.map((x) => median(x))), opts);
      assertSame(bootstrapMedians(groups, ratio, opts), slow, `seed ${seed}, ${m}+${n}`);
    }
  }
});

test('bootstrapMedians of one group with −0 and +0 medians keeps the sorted path’s sign', () => {
  // A statistic that shows the sign of a zero median: 1/−0 is −∞ (dropped as not finite), 1/+0 is +∞.
  const sign = ([m]: readonly number[]): number => (Object.is(m, -0) ? -1 : Object.is(m, 0) ? 1 : (m as number));
  for (const g of [
    [-0, 0, -0, 0, 1],
    [-0, -0, 0],
    [0, -0],
    [-0, -0, -1, 0, 0, 0],
  ]) {
    const opts = { seed: 7, replicates: 200 };
    assertSame(
      bootstrapMedians([g], sign, opts),
      bootstrapGroups([g], (gs) => sign(gs.map((x) => median(x))), opts),
      JSON.stringify(g.map((x) => (Object.is(x, -0) ? '-0' : x))),
    );
  }
});

test('bootstrapMedians leaves a group holding NaN to the sorted path', () => {
  const groups = [
    [0.1, Number.NaN, 0.3, 0.2],
    [0.2, 0.25, 0.3],
  ];
  const opts = { seed: 3, replicates: 100 };
  assertSame(
    bootstrapMedians(groups, ratio, opts),
    bootstrapGroups(groups, (g) => ratio(g.map((x) => median(x))), opts),
    'NaN',
  );
});
