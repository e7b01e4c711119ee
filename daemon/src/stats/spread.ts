/**
 * Tests for a change in spread. A rank test on location misses a candidate that is as fast on average
 * but less steady; these catch it.
 */

import { median } from './descriptive.js';
import { fSurvival } from './special.js';

export interface SpreadTestResult {
  /** The F statistic of the one-way ANOVA on absolute deviations from each group's median. */
  f: number;
  df1: number;
  df2: number;
  p: number;
  /** Mean absolute deviation from the median, per group (the spread each group shows). */
  spreads: number[];
}

/**
 * Brown–Forsythe test (Levene's test with group medians): robust to non-normal data, which per-epoch
 * throughput often is. Needs at least two groups with two values each; otherwise p is NaN.
 */
export function brownForsythe(groups: readonly (readonly number[])[]): SpreadTestResult {
  const usable = groups.filter((g) => g.length > 0);
  const k = usable.length;
  const deviations = usable.map((g) => {
    const m = median(g);
    return g.map((v) => Math.abs(v - m));
  });
  const spreads = deviations.map((z) => z.reduce((a, b) => a + b, 0) / z.length);
  const N = deviations.reduce((a, z) => a + z.length, 0);
  if (k < 2 || N - k < 1) return { f: Number.NaN, df1: k - 1, df2: N - k, p: Number.NaN, spreads };
  const grand = deviations.reduce((a, z) => a + z.reduce((s, v) => s + v, 0), 0) / N;
  let between = 0;
  let within = 0;
  deviations.forEach((z, i) => {
    const zi = spreads[i] as number;
    between += z.length * (zi - grand) * (zi - grand);
    for (const v of z) within += (v - zi) * (v - zi);
  });
  const df1 = k - 1;
  const df2 = N - k;
  if (within === 0) {
    // Every group has constant deviations: the spreads are either all equal (no evidence) or differ exactly.
    const f = between === 0 ? 0 : Number.POSITIVE_INFINITY;
    return { f, df1, df2, p: between === 0 ? 1 : 0, spreads };
  }
  const f = between / df1 / (within / df2);
  return { f, df1, df2, p: fSurvival(f, df1, df2), spreads };
}
