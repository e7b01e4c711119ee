import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cv, mean, median, quantile, variance } from '../../src/stats/descriptive.js';
import { normalQuantile, theilSen } from '../../src/stats/theil-sen.js';

test('descriptive statistics match hand-computed values', () => {
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.equal(mean(xs), 5);
  assert.equal(median(xs), 4.5);
  assert.ok(Math.abs(variance(xs) - 32 / 7) < 1e-12);
  assert.ok(Math.abs(cv(xs) - Math.sqrt(32 / 7) / 5) < 1e-12);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10, 20], 0.5), 15);
  assert.ok(Number.isNaN(mean([])));
});

test('normal quantile is accurate at common levels', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.326347874) < 1e-6);
});

test('Theil-Sen recovers a slope through outliers and its interval covers it', () => {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 60; i++) {
    x.push(i);
    // slope 3 with a deterministic wiggle and two wild outliers
    y.push(100 + 3 * i + ((i * 7919) % 11) - 5 + (i === 10 ? 5000 : 0) + (i === 40 ? -4000 : 0));
  }
  const est = theilSen(x, y);
  assert.ok(Math.abs(est.slope - 3) < 0.2, `slope ${est.slope}`);
  assert.ok(est.low <= 3 && est.high >= 3, `interval ${est.low}..${est.high}`);
  assert.ok(est.high - est.low < 1);
});

test('Theil-Sen of a flat series is zero', () => {
  const est = theilSen([0, 1, 2, 3, 4, 5], [7, 7, 7, 7, 7, 7]);
  assert.equal(est.slope, 0);
});
