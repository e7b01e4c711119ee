/**
 * What the next round runs. Sequential plans: every variant in turn (round-robin.ts), or, under the
 * adaptive schedule, only the variants of comparisons still open. Duet plans: one comparison's two arms
 * per round, the comparisons in turn, or, under the adaptive schedule, the open comparison with the fewest
 * pairs so far (plan order among equals), so that every open comparison advances while the settled ones
 * stop costing time.
 */
import { settleText } from '../domain/format.js';
import type { ComparisonStanding } from '../domain/types.js';

export interface ComparisonArms {
  baseline: string;
  candidate: string;
}

const sameComparison = (a: ComparisonArms, b: ComparisonArms): boolean => a.baseline === b.baseline && a.candidate === b.candidate;

/** The standing of each comparison, in the comparisons' order (undefined for one the judgement left out). */
function standingsOf(comparisons: readonly ComparisonArms[], standings: readonly ComparisonStanding[]): (ComparisonStanding | undefined)[] {
  return comparisons.map((c) => standings.find((s) => sameComparison(s, c)));
}

/** Fixed rotation: duet round `round` (1-based) runs comparison (round − 1) mod k. */
export function rotatingComparison(comparisons: readonly ComparisonArms[], round: number): number {
  return (round - 1) % comparisons.length;
}

/** Adaptive: the open comparison with the fewest pairs (plan order among equals); null when all have settled. */
export function openComparison(comparisons: readonly ComparisonArms[], standings: readonly ComparisonStanding[]): number | null {
  let best: number | null = null;
  let fewest = Infinity;
  standingsOf(comparisons, standings).forEach((s, i) => {
    // A comparison the judgement left out (criteria this version rejects) is not run.
    if (s === undefined || s.settled) return;
    if (s.pairs < fewest) {
      fewest = s.pairs;
      best = i;
    }
  });
  return best;
}

/** Adaptive sequential: the variants (in plan order) of the comparisons still open. */
export function openVariants(
  variants: readonly string[],
  comparisons: readonly ComparisonArms[],
  standings: readonly ComparisonStanding[],
): string[] {
  const open = new Set<string>();
  standingsOf(comparisons, standings).forEach((s, i) => {
    const c = comparisons[i] as ComparisonArms;
    if (s !== undefined && !s.settled) open.add(c.baseline).add(c.candidate);
  });
  return variants.filter((v) => open.has(v));
}

/** The log line of one comparison after a round: "speed → lean: ≈ 3 more duet epochs, about 01:40". */
export function standingLine(s: ComparisonStanding, duet: boolean): string {
  const name = `${s.baseline} → ${s.candidate}`;
  if (s.settled) return `${name}: ${s.verdict}, settled at ${s.pairs} ${duet ? 'duet epochs' : 'epochs per arm'}`;
  const settle = settleText({ more: s.more_epochs, at: s.settle_at, unit: duet ? 'duet epochs' : 'epochs per arm' });
  return settle === null ? `${name}: ${s.verdict}` : `${name}: ${settle}`;
}
