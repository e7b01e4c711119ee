/**
 * From the individual runs to the figures of the table: medians over repetitions, and ratios taken
 * within a repetition (allocator A's run / allocator B's run of the same repetition), so that the
 * machine's slow and fast moments — it is shared and noisy — cancel out of every ratio.
 */
import { median } from '../daemon/src/stats/descriptive.js';
import type { DrainResult, Measured, SoakResult, ThroughputResult } from './workloads.js';

/** Workloads measured as ops/s (every repetition). */
export type ThroughputWorkload = 'random_mixed' | 'xthread' | 'medium' | 'xthread_medium' | 'largebuf' | 'alloctest' | 'alloctest2';
export const THROUGHPUT_WORKLOADS: readonly ThroughputWorkload[] = [
  'random_mixed',
  'xthread',
  'medium',
  'xthread_medium',
  'largebuf',
  'alloctest',
  'alloctest2',
];
/** Memory probes (the first --mem-reps repetitions). */
export type DrainWorkload = 'drain' | 'drain_idle' | 'xdrain';
export type WorkloadName = ThroughputWorkload | DrainWorkload | 'soak';

export type RunRecord =
  | { rep: number; position: number; allocator: string; workload: ThroughputWorkload; result: Measured<ThroughputResult> }
  | { rep: number; position: number; allocator: string; workload: DrainWorkload; result: Measured<DrainResult> }
  | { rep: number; position: number; allocator: string; workload: 'soak'; result: Measured<SoakResult> };

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: readonly number[]): Spread | null {
  if (xs.length === 0) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** The ok results of one allocator and workload, keyed by repetition. */
function byRep<T>(runs: readonly RunRecord[], allocator: string, workload: WorkloadName): Map<number, T> {
  const m = new Map<number, T>();
  for (const r of runs) {
    if (r.allocator === allocator && r.workload === workload && r.result.ok) m.set(r.rep, r.result as unknown as T);
  }
  return m;
}

function metric<T>(runs: readonly RunRecord[], allocator: string, workload: WorkloadName, pick: (r: T) => number | null): number[] {
  const out: number[] = [];
  for (const v of byRep<T>(runs, allocator, workload).values()) {
    const x = pick(v);
    if (x !== null && Number.isFinite(x)) out.push(x);
  }
  return out;
}

/** ops per CPU-second, NaN when not measured (such ratios are dropped). */
export const cpuRate = (r: ThroughputResult): number => r.opsPerCpuSec ?? Number.NaN;

/** value(a, rep) / value(b, rep) for every repetition where both ran fine. */
export function ratioPerRep(
  runs: readonly RunRecord[],
  a: string,
  b: string,
  workload: ThroughputWorkload,
  pick: (r: ThroughputResult) => number = (r) => r.opsPerSec,
): number[] {
  const ra = byRep<ThroughputResult>(runs, a, workload);
  const rb = byRep<ThroughputResult>(runs, b, workload);
  const out: number[] = [];
  for (const [rep, x] of ra) {
    const y = rb.get(rep);
    if (!y) continue;
    const q = pick(x) / pick(y);
    if (Number.isFinite(q)) out.push(q);
  }
  return out;
}

export const DRAIN_CHECK_MS = 1000;

export const XDRAIN_CHECK_MS = 2000;

export interface ThroughputSummary {
  opsPerSec: Spread | null;
  ratioToMimalloc: Spread | null;
  peakRssKb: Spread | null;
  cpuRatioToMimalloc: Spread | null;
  /** Per-repetition ratio to tcmalloc (the fastest peer at medium sizes), when it ran. */
  ratioToTcmalloc: Spread | null;
}

export interface AllocatorSummary {
  allocator: string;
  randomMixed: ThroughputSummary;
  xthread: ThroughputSummary;
  medium: ThroughputSummary;
  xthreadMedium: ThroughputSummary;
  largebuf: ThroughputSummary;
  /** alloc-test's shape (sizes 5–1024 B, 80/20 slot law, every byte touched): one thread, and two. */
  alloctest: ThroughputSummary;
  alloctest2: ThroughputSummary;
  drain: {
    /** RSS − LazyFree at DRAIN_CHECK_MS after the drain, KiB. */
    heldKbAt1s: Spread | null;
    rssKbAt1s: Spread | null;
    /** Median RSS − LazyFree (KiB) at every point, by after-drain ms. */
    heldKbByPoint: Record<string, number>;
    peakRssKb: Spread | null;
    /** The same probe with no trickle at all (the program stops calling malloc/free after the drain). */
    idleHeldKbAt1s: Spread | null;
    idleHeldKbByPoint: Record<string, number>;
  };
  /** The cross-thread drain (blocks of exited threads freed by main, then idle). */
  xdrain: {
    /** RSS − LazyFree at XDRAIN_CHECK_MS after the drain, KiB. */
    heldKbAt2s: Spread | null;
    /** The same as a fraction of the probe's own peak RSS, per run. */
    heldFractionAt2s: Spread | null;
    heldKbByPoint: Record<string, number>;
    peakRssKb: Spread | null;
  };
  soak: { syscallsPerOp: Spread | null; syscallsTotal: Spread | null; ops: Spread | null };
  failures: number;
}

export const REFERENCE = 'mimalloc';

export function summarize(runs: readonly RunRecord[], allocators: readonly string[]): AllocatorSummary[] {
  const hasReference = allocators.includes(REFERENCE);
  const hasTcmalloc = allocators.includes('tcmalloc');
  return allocators.map((name) => {
    const tp = (w: ThroughputWorkload): ThroughputSummary => ({
      opsPerSec: spread(metric(runs, name, w, (r: ThroughputResult) => r.opsPerSec)),
      ratioToMimalloc: hasReference ? spread(ratioPerRep(runs, name, REFERENCE, w)) : null,
      peakRssKb: spread(metric(runs, name, w, (r: ThroughputResult) => r.peakRssKb)),
      cpuRatioToMimalloc: hasReference ? spread(ratioPerRep(runs, name, REFERENCE, w, cpuRate)) : null,
      ratioToTcmalloc: hasTcmalloc ? spread(ratioPerRep(runs, name, 'tcmalloc', w)) : null,
    });
    const pointHeld = (r: DrainResult, ms: number) => r.points.find((p) => p.afterDrainMs === ms)?.rssMinusLazyFreeKb ?? null;
    const curve = (workload: DrainWorkload): Record<string, number> => {
      const drains = [...byRep<DrainResult>(runs, name, workload).values()];
      const byPoint: Record<string, number> = {};
      for (const ms of [...new Set(drains.flatMap((d) => d.points.map((p) => p.afterDrainMs)))].sort((x, y) => x - y)) {
        const xs = drains.map((d) => pointHeld(d, ms)).filter((x): x is number => x !== null);
        if (xs.length > 0) byPoint[String(ms)] = median(xs);
      }
      return byPoint;
    };
    return {
      allocator: name,
      randomMixed: tp('random_mixed'),
      xthread: tp('xthread'),
      medium: tp('medium'),
      xthreadMedium: tp('xthread_medium'),
      largebuf: tp('largebuf'),
      alloctest: tp('alloctest'),
      alloctest2: tp('alloctest2'),
      drain: {
        heldKbAt1s: spread(metric(runs, name, 'drain', (r: DrainResult) => pointHeld(r, DRAIN_CHECK_MS))),
        rssKbAt1s: spread(
          metric(runs, name, 'drain', (r: DrainResult) => r.points.find((p) => p.afterDrainMs === DRAIN_CHECK_MS)?.rssKb ?? null),
        ),
        heldKbByPoint: curve('drain'),
        peakRssKb: spread(metric(runs, name, 'drain', (r: DrainResult) => r.peakRssKb)),
        idleHeldKbAt1s: spread(metric(runs, name, 'drain_idle', (r: DrainResult) => pointHeld(r, DRAIN_CHECK_MS))),
        idleHeldKbByPoint: curve('drain_idle'),
      },
      xdrain: {
        heldKbAt2s: spread(metric(runs, name, 'xdrain', (r: DrainResult) => pointHeld(r, XDRAIN_CHECK_MS))),
        heldFractionAt2s: spread(
          metric(runs, name, 'xdrain', (r: DrainResult) => {
            const held = pointHeld(r, XDRAIN_CHECK_MS);
            return held === null || r.peakRssKb <= 0 ? null : held / r.peakRssKb;
          }),
        ),
        heldKbByPoint: curve('xdrain'),
        peakRssKb: spread(metric(runs, name, 'xdrain', (r: DrainResult) => r.peakRssKb)),
      },
      soak: {
        syscallsPerOp: spread(metric(runs, name, 'soak', (r: SoakResult) => r.syscallsPerOp)),
        syscallsTotal: spread(metric(runs, name, 'soak', (r: SoakResult) => r.syscallsTotal)),
        ops: spread(metric(runs, name, 'soak', (r: SoakResult) => r.ops)),
      },
      failures: runs.filter((r) => r.allocator === name && !r.result.ok).length,
    };
  });
}
