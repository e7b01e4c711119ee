/**
 * Seeded resampling: a small deterministic PRNG and a percentile bootstrap, so that every verdict that
 * uses resampling is reproducible from the same data.
 */

import { interpolate, median, sorted, quantileSorted } from './descriptive.js';

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, full period 2^32, good enough for resampling indices. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived from text (FNV-1a), e.g. from the names of the compared variants. */
export function seedFromText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function resample<T>(xs: readonly T[], rng: Rng): T[] {
  const out: T[] = new Array<T>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(rng() * xs.length)] as T;
  return out;
}

export interface BootstrapInterval {
  estimate: number;
  low: number;
  high: number;
  replicates: number;
  confidence: number;
  seed: number;
}

export interface BootstrapOptions {
  replicates?: number;
  confidence?: number;
  seed?: number;
}

/**
 * Percentile bootstrap of a statistic of several independent groups (each resampled within itself).
 * Replicates whose statistic is not finite are dropped.
 */
export function bootstrapGroups(
  groups: readonly (readonly number[])[],
  statistic: (groups: readonly (readonly number[])[]) => number,
  opts: BootstrapOptions = {},
): BootstrapInterval {
  const replicates = opts.replicates ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  const seed = opts.seed ?? 1;
  const rng = createRng(seed);
  const estimate = statistic(groups);
  const values: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const v = statistic(groups.map((g) => resample(g, rng)));
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return { estimate, low: Number.NaN, high: Number.NaN, replicates: 0, confidence, seed };
  const s = sorted(values);
  const a = (1 - confidence) / 2;
  return { estimate, low: quantileSorted(s, a), high: quantileSorted(s, 1 - a), replicates: values.length, confidence, seed };
}

/**
 * `bootstrapGroups` of a statistic of the groups' medians only (`combine` receives them in group order): the
 * same replicates from the same generator stream, and the same numbers, without sorting each resample.
 * Sorting a resample of 1,500 values 2 × 2,000 times was most of a compare over a year of epochs.
 *
 * Each group is sorted once (Float64Array order, as `sorted` sorts: −0 before +0); a replicate draws the
 * same positions `resample` draws, counts them per sorted rank, and reads the two middle order statistics
 * from the running count: they are the values sorting the resample would put there, and `interpolate`
 * combines them as `median` does. A group holding NaN is left to `bootstrapGroups` (`sorted` orders it
 * with a comparator then).
 */
export function bootstrapMedians(
  groups: readonly (readonly number[])[],
  combine: (medians: readonly number[]) => number,
  opts: BootstrapOptions = {},
): BootstrapInterval {
  if (groups.some((g) => g.some(Number.isNaN))) return bootstrapGroups(groups, (gs) => combine(gs.map(median)), opts);
  const replicates = opts.replicates ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  const seed = opts.seed ?? 1;
  const rng = createRng(seed);
  const estimate = combine(groups.map(median));
  const ranked = groups.map(rankedGroup);
  const medians: number[] = new Array<number>(groups.length);
  const values: number[] = [];
  for (let r = 0; r < replicates; r++) {
    for (let gi = 0; gi < ranked.length; gi++) medians[gi] = resampledMedian(ranked[gi] as RankedGroup, rng);
    const v = combine(medians);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return { estimate, low: Number.NaN, high: Number.NaN, replicates: 0, confidence, seed };
  const s = sorted(values);
  const a = (1 - confidence) / 2;
  return { estimate, low: quantileSorted(s, a), high: quantileSorted(s, 1 - a), replicates: values.length, confidence, seed };
}

/** A group sorted once: its values in order, each position's rank among them, and a count per rank. */
interface RankedGroup {
  sortedValues: Float64Array;
  rankOf: Int32Array;
  counts: Int32Array;
}

function rankedGroup(xs: readonly number[]): RankedGroup {
  const n = xs.length;
  const sortedValues = Float64Array.from(xs).sort();
  // Positions in the order the typed-array sort puts their values (−0 before +0; equal values in any order:
  // they are the same number).
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    const a = xs[i] as number;
    const b = xs[j] as number;
    return a < b ? -1 : a > b ? 1 : Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  });
  const rankOf = new Int32Array(n);
  order.forEach((position, rank) => (rankOf[position] = rank));
  return { sortedValues, rankOf, counts: new Int32Array(n) };
}

/** The median of one resample of the group, drawing exactly as `resample` draws. */
function resampledMedian(g: RankedGroup, rng: Rng): number {
  const n = g.rankOf.length;
  if (n === 0) return Number.NaN;
  const counts = g.counts;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const rank = g.rankOf[Math.floor(rng() * n)] as number;
    counts[rank] = (counts[rank] as number) + 1;
  }
  const pos = (n - 1) * 0.5;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  // The values at sorted positions lo and hi of the resample: the ranks whose running count first passes them.
  let seen = 0;
  let rank = 0;
  while (seen + (counts[rank] as number) <= lo) seen += counts[rank++] as number;
  const a = g.sortedValues[rank] as number;
  while (seen + (counts[rank] as number) <= hi) seen += counts[rank++] as number;
  return interpolate(a, g.sortedValues[rank] as number, pos - lo);
}
