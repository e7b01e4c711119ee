/**
 * Seeded resampling: a small deterministic PRNG and a percentile bootstrap, so that every verdict that
 * uses resampling is reproducible from the same data.
 */

import { sorted, quantileSorted } from './descriptive.js';

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
