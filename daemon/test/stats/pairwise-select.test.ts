/**
 * The rank selection of pairwise values (Walsh averages, differences, slopes) gives exactly what sorting every
 * pairwise value gives, on data shaped like a year of epochs (hundreds to thousands of points, ties, steps,
 * outliers) — and the estimators that use it above their thresholds agree with the sorted path bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/stats/bootstrap.js';
import { differenceRanks, slopeRanks, walshRanks } from '../../src/stats/pairwise-select.js';
import { hodgesLehmannCenter, hodgesLehmannShift } from '../../src/stats/hodges-lehmann.js';
import { theilSen } from '../../src/stats/theil-sen.js';

const sortAll = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

function walshAll(d: number[]): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) out.push(((d[i] as number) + (d[j] as number)) / 2);
  return sortAll(out);
}

function diffsAll(x: number[], y: number[]): Float64Array {
  const out: number[] = [];
  for (const xi of x) for (const yj of y) out.push(yj - xi);
  return sortAll(out);
}

function slopesAll(x: number[], y: number[]): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const dx = (x[j] as number) - (x[i] as number);
      if (dx !== 0) out.push(((y[j] as number) - (y[i] as number)) / dx);
    }
  return sortAll(out);
}

/** Data sets: smooth noise, heavy ties (values rounded), a step with outliers. */
function dataSets(seed: number, n: number): number[][] {
  const rng = createRng(seed);
  const noise = Array.from({ length: n }, () => Math.log(1 + 0.02 * (rng() - 0.5)));
  const ties = Array.from({ length: n }, () => Math.round(rng() * 6) / 4);
  const step = Array.from({ length: n }, (_, i) => (i > n / 2 ? 0.3 : 0) + 0.01 * rng() + (i % 97 === 0 ? 40 : 0));
  return [noise, ties, step];
}

function ranksOf(total: number, rng: () => number): number[] {
  return [1, total, Math.ceil(total / 2), Math.floor(total / 2) + 1, 1 + Math.floor(rng() * total), 1 + Math.floor(rng() * total)];
}

test('Walsh averages: selected ranks equal the sorted values', () => {
  const rng = createRng(3);
  for (const n of [1, 2, 7, 250, 601]) {
    for (const d of dataSets(n, n)) {
      const all = walshAll(d);
      const ranks = ranksOf(all.length, rng);
      assert.deepEqual(
        walshRanks(d, ranks),
        ranks.map((k) => all[k - 1]),
        `n=${n}`,
      );
    }
  }
});

test('differences: selected ranks equal the sorted values', () => {
  const rng = createRng(5);
  for (const [m, n] of [
    [1, 1],
    [3, 9],
    [300, 280],
  ] as const) {
    const [x1, x2] = dataSets(m + n, m);
    const [y1, y2] = dataSets(m * n, n);
    for (const [x, y] of [
      [x1, y1],
      [x2, y2],
    ] as const) {
      const all = diffsAll(x as number[], y as number[]);
      const ranks = ranksOf(all.length, rng);
      assert.deepEqual(
        differenceRanks(x as number[], y as number[], ranks),
        ranks.map((k) => all[k - 1]),
        `${m}x${n}`,
      );
    }
  }
});

test('slopes: selected ranks equal the sorted values (or the caller is told to sort)', () => {
  const rng = createRng(7);
  for (const n of [2, 5, 400]) {
    for (const y of dataSets(n + 1, n)) {
      // Epoch indexes, and times with repeats (equal x give no slope).
      for (const x of [Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => Math.floor(i / 3) * 3600.5)]) {
        const all = slopesAll(x, y);
        if (all.length === 0) {
          assert.equal(slopeRanks(x, y, [1]), null);
          continue;
        }
        const ranks = ranksOf(all.length, rng);
        const got = slopeRanks(x, y, ranks);
        assert.notEqual(got, null, `n=${n}: the bracket missed a rank`);
        assert.deepEqual(
          got,
          ranks.map((k) => all[k - 1]),
          `n=${n}`,
        );
      }
    }
  }
});

test('non-finite input: the selection declines and the estimators sort as before', () => {
  assert.equal(walshRanks([1, Number.NaN, 2], [1]), null);
  assert.equal(differenceRanks([1, 2], [Number.POSITIVE_INFINITY], [1]), null);
  assert.equal(slopeRanks([0, 1, 2], [0, Number.NaN, 1], [1]), null);
});

test('Hodges–Lehmann and Theil–Sen above their thresholds agree with sorting every pairwise value', () => {
  for (const d of dataSets(11, 700)) {
    const all = walshAll(d);
    const m = all.length;
    const hl = hodgesLehmannCenter(d);
    const mid = Math.floor(m / 2);
    assert.equal(hl.estimate, m % 2 === 1 ? all[mid] : ((all[mid - 1] as number) + (all[mid] as number)) / 2);
    assert.ok(all.includes(hl.low) && all.includes(hl.high) && hl.low <= hl.estimate && hl.estimate <= hl.high);
    assert.equal(hl.count, m);
  }
  const [x, y] = dataSets(13, 400);
  const diffs = diffsAll(x as number[], y as number[]);
  const shift = hodgesLehmannShift(x as number[], y as number[]);
  const mid = Math.floor(diffs.length / 2);
  assert.equal(shift.estimate, ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2);
  const xs = Array.from({ length: 500 }, (_, i) => i);
  for (const ys of dataSets(17, 500)) {
    const slopes = slopesAll(xs, ys);
    const ts = theilSen(xs, ys);
    const pos = (slopes.length - 1) / 2;
    const a = slopes[Math.floor(pos)] as number;
    const b = slopes[Math.ceil(pos)] as number;
    assert.equal(ts.slope, a + (b - a) * (pos - Math.floor(pos)));
    assert.ok(slopes.includes(ts.low) && slopes.includes(ts.high));
  }
});
