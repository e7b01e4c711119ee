/** Ranking with ties, shared by the rank tests. */

export interface Ranking {
  /** 1-based ranks in input order; tied values get the average of the ranks they span (midranks). */
  ranks: number[];
  /** Size of every group of tied values (groups of one included). */
  tieGroups: number[];
}

export function rank(xs: readonly number[]): Ranking {
  const order = xs.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(xs.length).fill(0);
  const tieGroups: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { v: number }).v === (order[start] as { v: number }).v) end++;
    const midrank = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[(order[k] as { i: number }).i] = midrank;
    tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

/** Σ (t³ − t) over tie groups: the tie term of the rank tests' variances. */
export function tieTerm(tieGroups: readonly number[]): number {
  let s = 0;
  for (const t of tieGroups) s += t * t * t - t;
  return s;
}

/**
 * Exact null distribution of the sum of k items drawn without replacement from `scores`
 * (all subsets equally likely). Scores must be multiples of 0.5 (midranks are): the sum is tracked
 * in half-units. Returns probabilities indexed by 2·sum. Work is O(N·k·2·Σscores): meant for N ≲ 80.
 */
export function subsetSumDistribution(scores: readonly number[], k: number): Float64Array {
  const units = scores.map((s) => Math.round(s * 2));
  const total = units.reduce((a, b) => a + b, 0);
  // ways[j][s]: number of subsets of size j with half-unit sum s, as floats (relative precision is all we need).
  const ways: Float64Array[] = [];
  for (let j = 0; j <= k; j++) ways.push(new Float64Array(total + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (const u of units) {
    for (let j = Math.min(k, ways.length - 1); j >= 1; j--) {
      const dst = ways[j] as Float64Array;
      const src = ways[j - 1] as Float64Array;
      for (let s = total; s >= u; s--) dst[s] = (dst[s] as number) + (src[s - u] as number);
    }
  }
  const out = ways[k] as Float64Array;
  let count = 0;
  for (const w of out) count += w;
  const probs = new Float64Array(out.length);
  for (let s = 0; s < out.length; s++) probs[s] = (out[s] as number) / count;
  return probs;
}

/**
 * Exact null distribution of the sum of signed scores that are positive, each score independently
 * positive with probability 1/2 (Wilcoxon signed-rank). Half-unit indexing as above.
 */
export function signedSumDistribution(scores: readonly number[]): Float64Array {
  const units = scores.map((s) => Math.round(s * 2));
  const total = units.reduce((a, b) => a + b, 0);
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  for (const u of units) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= total; s++) {
      const p = dist[s] as number;
      if (p === 0) continue;
      next[s] = (next[s] as number) + p / 2;
      next[s + u] = (next[s + u] as number) + p / 2;
    }
    dist = next;
  }
  return dist;
}

/**
 * Two-sided exact p-value from a half-unit distribution: the probability of a statistic at least as far
 * from the null mean as the observed one.
 */
export function twoSidedFromDistribution(dist: Float64Array, observedHalfUnits: number): number {
  let mean = 0;
  for (let s = 0; s < dist.length; s++) mean += s * (dist[s] as number);
  const d = Math.abs(observedHalfUnits - mean);
  let p = 0;
  // A small tolerance so that floating noise in the mean does not drop the observed value itself.
  for (let s = 0; s < dist.length; s++) if (Math.abs(s - mean) >= d - 1e-7) p += dist[s] as number;
  return Math.min(1, p);
}
