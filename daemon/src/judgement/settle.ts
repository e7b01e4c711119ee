/**
 * How many epoch steps until a comparison settles, given what every comparison of the plan still needs and
 * how the campaign hands out its rounds: a step is one duet round (both arms at once) or one sequential
 * epoch. Under a fixed rotation every comparison (duet) or every variant (sequential) takes part in every
 * cycle; under the adaptive schedule only those still open do, so the quick ones stop costing time.
 */
export interface Standing {
  /** Further epochs per arm it needs; null or 0 when settled. */
  more: number | null;
  baseline: string;
  candidate: string;
}

export interface RotationShape {
  duet: boolean;
  adaptive: boolean;
  /** Variants that run in each cycle of a fixed sequential rotation. */
  variants: number;
}

export function stepsToSettle(standings: readonly Standing[], i: number, shape: RotationShape): number | null {
  const mine = standings[i]?.more ?? null;
  if (mine === null || mine <= 0) return null;
  let steps = 0;
  for (let cycle = 1; cycle <= mine; cycle++) {
    if (!shape.adaptive) {
      steps += shape.duet ? standings.length : shape.variants;
      continue;
    }
    const open = standings.filter((s) => (s.more ?? 0) >= cycle);
    steps += shape.duet ? open.length : new Set(open.flatMap((s) => [s.baseline, s.candidate])).size;
  }
  return steps;
}
