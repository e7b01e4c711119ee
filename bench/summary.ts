/**
 * From the individual runs to the figures of the table: medians over repetitions, and ratios taken
 * within a repetition (allocator A's run / allocator B's run of the same repetition), so that the
 * machine's slow and fast moments — it is shared and noisy — cancel out of every ratio.
 */
import { median } from '../daemon/src/stats/descriptive.js';
import type { DrainResult, Measured, SoakResult, ThroughputResult } from './workloads.js';

export type WorkloadName = 'random_mixed' | 'xthread' | 'drain' | 'drain_idle' | 'soak';

export type RunRecord =
  | { rep: number; position: number; allocator: string; workload: 'random_mixed' | 'xthread'; result: Measured<ThroughputResult> }
  | { rep: number; position: number; allocator: string; workload: 'drain' | 'drain_idle'; result: Measured<DrainResult> }
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
  workload: 'random_mixed' | 'xthread',
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

export interface AllocatorSummary {
  allocator: string;
  randomMixed: { opsPerSec: Spread | null; ratioToMimalloc: Spread | null; peakRssKb: Spread | null; cpuRatioToMimalloc: Spread | null };
  xthread: { opsPerSec: Spread | null; ratioToMimalloc: Spread | null; peakRssKb: Spread | null; cpuRatioToMimalloc: Spread | null };
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
  soak: { syscallsPerOp: Spread | null; syscallsTotal: Spread | null; ops: Spread | null };
  failures: number;
}

export const REFERENCE = 'mimalloc';

export function summarize(runs: readonly RunRecord[], allocators: readonly string[]): AllocatorSummary[] {
  const hasReference = allocators.includes(REFERENCE);
  return allocators.map((name) => {
    const tp = (w: 'random_mixed' | 'xthread') => ({
      opsPerSec: spread(metric(runs, name, w, (r: ThroughputResult) => r.opsPerSec)),
      ratioToMimalloc: hasReference ? spread(ratioPerRep(runs, name, REFERENCE, w)) : null,
      peakRssKb: spread(metric(runs, name, w, (r: ThroughputResult) => r.peakRssKb)),
      cpuRatioToMimalloc: hasReference ? spread(ratioPerRep(runs, name, REFERENCE, w, cpuRate)) : null,
    });
    const pointHeld = (r: DrainResult, ms: number) => r.points.find((p) => p.afterDrainMs === ms)?.rssMinusLazyFreeKb ?? null;
    const curve = (workload: 'drain' | 'drain_idle'): Record<string, number> => {
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
      soak: {
        syscallsPerOp: spread(metric(runs, name, 'soak', (r: SoakResult) => r.syscallsPerOp)),
        syscallsTotal: spread(metric(runs, name, 'soak', (r: SoakResult) => r.syscallsTotal)),
        ops: spread(metric(runs, name, 'soak', (r: SoakResult) => r.ops)),
      },
      failures: runs.filter((r) => r.allocator === name && !r.result.ok).length,
    };
  });
}
