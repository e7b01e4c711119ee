/**
 * Looks of an adaptive schedule: when a comparison may be judged and at what confidence, so that its
 * verdict stays valid although the daemon stops the comparison as soon as it settles (optional stopping).
 *
 * Method: a fixed alpha-spending plan over a geometric grid of looks (docs/judgement.md, "Adaptive
 * schedule"). Look j (j = 0, 1, …) happens when the comparison has n_j pairs (epochs per arm), n_0 the
 * first size at which the exact rank interval exists at look 0's level and not below min_epochs, then
 * n_{j+1} = ⌈1.5·n_j⌉; look j spends α_j = α / ((j+1)(j+2)) of the two-sided error α = 1 − confidence.
 * Σ α_j = α, so by the union bound the probability that any look's interval misses the true ratio is at
 * most α, however many looks are taken and whatever the stopping rule does with them. Between looks the
 * verdict is the last look's, computed on the first n_j pairs only.
 */

import { normalQuantile } from '../stats/normal.js';

export interface Look {
  /** 0-based index of the look. */
  index: number;
  /** Pairs (epochs per arm) the look judges. */
  n: number;
  /** Two-sided confidence of every interval at this look: 1 − α_j. */
  confidence: number;
}

/** Growth of the look grid: each look judges half as many pairs again as the one before. */
const GROWTH = 1.5;
/** Looks beyond this are not planned (n grows past any overnight campaign long before). */
const MAX_LOOKS = 40;

function alphaAt(confidence: number, index: number): number {
  return (1 - confidence) / ((index + 1) * (index + 2));
}

/**
 * Smallest n at which the exact signed-rank interval can reach confidence `level`: its most extreme
 * attainable two-sided error is 2 / 2^n.
 */
function smallestExactN(level: number): number {
  return Math.max(2, Math.ceil(Math.log2(2 / (1 - level))));
}

/** The planned looks for a comparison's criteria, in order (finite: MAX_LOOKS of them). */
export function plannedLooks(confidence: number, minEpochs: number): Look[] {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must lie in (0, 1), got ${confidence}`);
  const looks: Look[] = [];
  let n = Math.max(minEpochs, smallestExactN(1 - alphaAt(confidence, 0)));
  for (let index = 0; index < MAX_LOOKS; index++) {
    const level = 1 - alphaAt(confidence, index);
    n = Math.max(n, smallestExactN(level));
    looks.push({ index, n, confidence: level });
    n = Math.max(n + 1, Math.ceil(n * GROWTH));
  }
  return looks;
}

/** The last look a comparison with `pairs` pairs has reached; null before the first. */
export function lookReached(looks: readonly Look[], pairs: number): Look | null {
  let reached: Look | null = null;
  for (const look of looks) {
    if (look.n > pairs) break;
    reached = look;
  }
  return reached;
}

/** The looks after the one reached (all of them before the first). */
export function looksAfter(looks: readonly Look[], pairs: number): Look[] {
  return looks.filter((l) => l.n > pairs);
}

/**
 * The first of `later` looks at which a comparison would likely settle, given the pairs it would need at
 * the first of them (`totalAtFirst`, from the verdict's plug-in estimate at that look's confidence): later
 * looks spend less error, so what they need grows with the square of their normal quantile plus the
 * power's. Null when none of the planned looks is large enough.
 */
export function settlingLook(later: readonly Look[], totalAtFirst: number, power = 0.8): Look | null {
  const first = later[0];
  if (first === undefined) return null;
  const zBeta = normalQuantile(power);
  const scale = (look: Look): number => ((zOf(look.confidence) + zBeta) / (zOf(first.confidence) + zBeta)) ** 2;
  return later.find((look) => look.n >= totalAtFirst * scale(look)) ?? null;
}

function zOf(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}
