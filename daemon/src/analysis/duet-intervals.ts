/**
 * The per-interval paired ratios of a duet round: both arms ran at once, each sampled on its own clock
 * (t_ms from its own start). They are put on one clock, the baseline's: a candidate sample at t_ms happened
 * at t_ms + offsetMs on the baseline's clock, offsetMs being the difference of the two clock origins as the
 * daemon saw them (`clockOrigin`). Then every sample of either arm is bucketed to the plan's interval on
 * that clock (bucket k = round(t / interval)), and a bucket is paired when both arms have a sample in it and
 * in the bucket before, both after warm-up: each arm's throughput over exactly one interval of its own,
 * ending within half an interval of the other's. A missed or late sample leaves its bucket unpaired instead
 * of shifting every later pair, which pairing by sample index would.
 *
 * The ratios are for looking at (how the arms moved together within a round). They are strongly
 * autocorrelated and are never used by verdicts as independent observations: a duet round is one pair.
 */
import type { Sample } from '../domain/types.js';

export type DuetIntervalBasis = 'cpu' | 'wall';

export interface DuetInterval {
  /** End of the interval on the baseline's clock (the baseline sample's t_ms). */
  t_ms: number;
  /** Candidate throughput / baseline throughput over the interval. */
  ratio: number;
}

export interface DuetIntervals {
  basis: DuetIntervalBasis;
  /** Candidate clock origin − baseline clock origin (ms, daemon time); 0 when it was not measured. */
  clock_offset_ms: number;
  intervals: DuetInterval[];
}

export interface DuetIntervalOptions {
  warmupMs: number;
  intervalMs: number;
  /** Candidate clock origin − baseline clock origin (ms); see `clockOrigin`. Default 0. */
  offsetMs?: number;
}

/**
 * A workload's clock origin on the daemon's clock, from the times the daemon received its samples: the
 * smallest (received − t_ms) over the samples, the one delayed least by pipes and the event loop (the
 * usual estimate of a clock offset from one-way messages). null without samples.
 */
export function clockOrigin(received: ReadonlyArray<{ t_ms: number; received_ms: number }>): number | null {
  let best: number | null = null;
  for (const r of received) {
    const origin = r.received_ms - r.t_ms;
    if (Number.isFinite(origin) && (best === null || origin < best)) best = origin;
  }
  return best;
}

interface Step {
  ops: number;
  wallMs: number;
  cpuMs: number | null;
}

/** One arm's one-interval steps by bucket: the step ending in bucket k, from a sample in bucket k − 1. */
function steps(samples: readonly Sample[], warmupMs: number, intervalMs: number, shiftMs: number): Map<number, Step> {
  const out = new Map<number, Step>();
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1] as Sample;
    const cur = samples[i] as Sample;
    if (prev.t_ms < warmupMs) continue;
    const k = Math.round((cur.t_ms + shiftMs) / intervalMs);
    if (Math.round((prev.t_ms + shiftMs) / intervalMs) !== k - 1 || out.has(k)) continue;
    const cpuMs = prev.cpu_ms !== null && cur.cpu_ms !== null ? cur.cpu_ms - prev.cpu_ms : null;
    out.set(k, { ops: cur.ops - prev.ops, wallMs: cur.t_ms - prev.t_ms, cpuMs });
  }
  return out;
}

/**
 * The paired ratios (candidate / baseline) of a duet round's two arms, in time order. Per CPU-second when
 * every paired interval of both arms has CPU time (as the epoch's throughput basis is chosen), else per
 * wall-clock second. Intervals where either arm did no work or used no time are left out.
 */
export function duetIntervalRatios(baseline: readonly Sample[], candidate: readonly Sample[], opts: DuetIntervalOptions): DuetIntervals {
  const { warmupMs, intervalMs } = opts;
  if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
  const offset = opts.offsetMs ?? 0;
  const base = steps(baseline, warmupMs, intervalMs, 0);
  const cand = steps(candidate, warmupMs, intervalMs, offset);
  const pairs: Array<{ k: number; t: number; b: Step; c: Step }> = [];
  const tOf = new Map<number, number>();
  for (let i = 1; i < baseline.length; i++) {
    const s = baseline[i] as Sample;
    const k = Math.round(s.t_ms / intervalMs);
    if (!tOf.has(k)) tOf.set(k, s.t_ms);
  }
  for (const [k, b] of base) {
    const c = cand.get(k);
    if (c !== undefined) pairs.push({ k, t: tOf.get(k) ?? k * intervalMs, b, c });
  }
  pairs.sort((x, y) => x.k - y.k);
  const cpu = pairs.length > 0 && pairs.every((p) => p.b.cpuMs !== null && p.c.cpuMs !== null);
  const rate = (s: Step): number => s.ops / ((cpu ? (s.cpuMs as number) : s.wallMs) / 1000);
  const intervals: DuetInterval[] = [];
  for (const p of pairs) {
    const b = rate(p.b);
    const c = rate(p.c);
    if (!(b > 0 && c > 0 && Number.isFinite(b) && Number.isFinite(c))) continue;
    intervals.push({ t_ms: p.t, ratio: c / b });
  }
  return { basis: cpu ? 'cpu' : 'wall', clock_offset_ms: offset, intervals };
}
