/**
 * Where and in which order the two arms of a duet round run. Each arm gets CPUs of its own (one per
 * thread) and the arms swap CPUs every round, so that a faster core, or one that takes the machine's
 * interrupts, favours neither arm; the arm started first alternates too, for the same reason with
 * whatever the first few milliseconds of an epoch cost.
 */
export interface DuetPlacement {
  /** The CPUs of arm 0 (the plan's first variant) and arm 1. */
  cpus: [number[], number[]];
  /** The arm started first, then the other. */
  startOrder: [0, 1] | [1, 0];
}

/** Placement of round `round` (1-based) for arms of `threads` threads each, on the allowed `cpus` (ascending). */
export function duetPlacement(round: number, threads: readonly [number, number], cpus: readonly number[]): DuetPlacement {
  const [t0, t1] = threads;
  if (t0 + t1 > cpus.length) throw new RangeError(`a duet of ${t0} + ${t1} threads needs ${t0 + t1} CPUs, ${cpus.length} allowed`);
  const odd = round % 2 === 1;
  // Odd rounds: arm 0 on the first CPUs; even rounds: arm 1 there.
  const first = odd ? t0 : t1;
  const low = cpus.slice(0, first);
  const high = cpus.slice(first, t0 + t1);
  return { cpus: odd ? [low, high] : [high, low], startOrder: odd ? [0, 1] : [1, 0] };
}
