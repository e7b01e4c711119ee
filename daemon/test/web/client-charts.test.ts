/** The page's pure plot helpers (daemon/src/web/client/plot-data.ts), run in Node: no DOM is touched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignSeries } from '../../src/web/client/plot-data.js';

test('series are joined on one sorted x axis, null where a series has no value there', () => {
  const speed: Array<[number, number | null]> = [
    [30, 3],
    [10, 1],
  ];
  const lean: Array<[number, number | null]> = [
    [20, 20],
    [30, null],
    [40, 40],
  ];
  assert.deepEqual(alignSeries([speed, lean]), [
    [10, 20, 30, 40],
    [1, null, 3, null],
    [null, 20, null, 40],
  ]);
  assert.deepEqual(alignSeries([]), [[]]);
  assert.deepEqual(alignSeries([[]]), [[], []]);
});
