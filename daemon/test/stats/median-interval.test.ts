import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianInterval } from '../../src/stats/median-interval.js';

test('median interval from order statistics: the binomial(n, ½) tables', () => {
  assert.equal(medianInterval([]), null);
  const five = medianInterval([5, 1, 4, 2, 3]);
  assert.deepEqual(five, { median: 3, low: null, high: null, confidence: null, n: 5 }, 'five values cannot reach 95 %');
  const six = medianInterval([6, 1, 5, 2, 4, 3]);
  assert.equal(six?.median, 3.5);
  assert.deepEqual([six?.low, six?.high], [1, 6]);
  assert.ok(Math.abs((six?.confidence ?? 0) - (1 - 2 / 64)) < 1e-12);
  // n = 20: P(B ≤ 5) = 0.0207 ≤ 0.025 < P(B ≤ 6) = 0.0577, so [x(6), x(15)] at 95.86 %.
  const twenty = medianInterval(Array.from({ length: 20 }, (_, i) => 20 - i));
  assert.deepEqual([twenty?.low, twenty?.high], [6, 15]);
  assert.ok(Math.abs((twenty?.confidence ?? 0) - 0.958611) < 1e-5, String(twenty?.confidence));
  assert.equal(medianInterval([1, Number.NaN, 2])?.n, 2, 'non-finite values are left out');
});
