/**
 * leanmalloc's targets against its peers, checked against one benchmark run. Every target is judged on the
 * median over repetitions (as the targets are stated); ratios are per repetition (same repetition's runs), and the
 * min–max over repetitions is shown next to the verdict so a reader sees how close the call was.
 */
import {
  cpuRate,
  DRAIN_CHECK_MS,
  ratioPerRep,
  REFERENCE,
  spread,
  XDRAIN_CHECK_MS,
  type AllocatorSummary,
  type RunRecord,
  type Spread,
  type ThroughputWorkload,
} from './summary.js';

export type Verdict = 'PASS' | 'FAIL' | 'N/A';

export interface TargetResult {
  target: string;
  verdict: Verdict;
  /** The measured value the verdict is based on, as printed. */
  measured: string;
  /** The figure compared with the threshold (null when N/A). */
  value: number | null;
  threshold: number;
}

const SPEED = 'leanmalloc-speed';
const BALANCED = 'leanmalloc-balanced';
const LEAN = 'leanmalloc-lean';
export const DRAIN_LIMIT_KB = 8 * 1024;
export const SYSCALLS_PER_OP_LIMIT = 1e-6;

const fmtRatio = (s: Spread): string => `${s.median.toFixed(3)}× (min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)}, n=${s.n})`;

function missing(names: string[], present: readonly string[]): string | null {
  const absent = names.filter((n) => !present.includes(n));
  return absent.length > 0 ? `not measured: ${absent.join(', ')} (not installed, not selected, or every run failed)` : null;
}

function ratioTarget(
  target: string,
  runs: readonly RunRecord[],
  present: readonly string[],
  a: string,
  b: string,
  workload: ThroughputWorkload,
  cmp: 'ge' | 'le',
  threshold: number,
  pick?: (r: { opsPerSec: number; peakRssKb: number }) => number,
): TargetResult {
  const why = missing([a, b], present);
  const s = why ? null : spread(ratioPerRep(runs, a, b, workload, pick));
  if (!s) return { target, verdict: 'N/A', measured: why ?? 'no repetition where both ran', value: null, threshold };
  const pass = cmp === 'ge' ? s.median >= threshold : s.median <= threshold;
  let measured = fmtRatio(s);
  if (!pick) {
    // The same comparison per CPU-second: if it disagrees with the wall-clock verdict, the machine's
    // load decided the call, and a reader should know.
    const c = spread(ratioPerRep(runs, a, b, workload, cpuRate));
    if (c) {
      const cpuPass = cmp === 'ge' ? c.median >= threshold : c.median <= threshold;
      measured += `; per CPU-second ${c.median.toFixed(3)}×${cpuPass !== pass ? ` (would ${cpuPass ? 'PASS' : 'FAIL'}: load-sensitive call)` : ''}`;
    }
  }
  return { target, verdict: pass ? 'PASS' : 'FAIL', measured, value: s.median, threshold };
}

export function evaluateTargets(runs: readonly RunRecord[], summaries: readonly AllocatorSummary[]): TargetResult[] {
  const present = summaries.map((s) => s.allocator);
  const get = (name: string) => summaries.find((s) => s.allocator === name);
  const peak = (r: { peakRssKb: number }) => r.peakRssKb;
  const out: TargetResult[] = [
    ratioTarget('speed: random_mixed ops/s ≥ 1.10× mimalloc', runs, present, SPEED, REFERENCE, 'random_mixed', 'ge', 1.1),
    ratioTarget('speed: peak RSS ≤ 1.1× mimalloc (random_mixed)', runs, present, SPEED, REFERENCE, 'random_mixed', 'le', 1.1, peak),
    ratioTarget('balanced: ops/s within 2 % of speed (≥ 0.98×)', runs, present, BALANCED, SPEED, 'random_mixed', 'ge', 0.98),
    ratioTarget('balanced: peak RSS ≤ 1.1× mimalloc (random_mixed)', runs, present, BALANCED, REFERENCE, 'random_mixed', 'le', 1.1, peak),
    ratioTarget('lean: ops/s at most 5 % below speed (≥ 0.95×)', runs, present, LEAN, SPEED, 'random_mixed', 'ge', 0.95),
  ];

  const lean = get(LEAN);
  const drainTarget = (label: string, held: Spread | null | undefined, what: string): TargetResult => {
    const target = `lean: RSS − LazyFree ≤ 8 MiB ${DRAIN_CHECK_MS / 1000} s after a 256 MiB burst is freed (${label})`;
    if (!held)
      return { target, verdict: 'N/A', measured: missing([LEAN], present) ?? `no ${what} run`, value: null, threshold: DRAIN_LIMIT_KB };
    return {
      target,
      verdict: held.median <= DRAIN_LIMIT_KB ? 'PASS' : 'FAIL',
      measured: `${(held.median / 1024).toFixed(1)} MiB (min ${(held.min / 1024).toFixed(1)}, max ${(held.max / 1024).toFixed(1)}, n=${held.n})`,
      value: held.median,
      threshold: DRAIN_LIMIT_KB,
    };
  };
  out.push(drainTarget('trickle of 4 malloc/free per ms', lean?.drain.heldKbAt1s, 'drain'));
  out.push(drainTarget('idle: no malloc/free after it', lean?.drain.idleHeldKbAt1s, 'drain_idle'));
  const spo = lean?.soak.syscallsPerOp ?? null;
  out.push(
    spo
      ? {
          target: 'lean: memory syscalls per op ≤ 1e-6 (soak with burst churn)',
          verdict: spo.median <= SYSCALLS_PER_OP_LIMIT ? 'PASS' : 'FAIL',
          measured: `${spo.median.toExponential(2)} (min ${spo.min.toExponential(2)}, max ${spo.max.toExponential(2)}, n=${spo.n})`,
          value: spo.median,
          threshold: SYSCALLS_PER_OP_LIMIT,
        }
      : {
          target: 'lean: memory syscalls per op ≤ 1e-6 (soak with burst churn)',
          verdict: 'N/A',
          measured: missing([LEAN], present) ?? 'no soak run',
          value: null,
          threshold: SYSCALLS_PER_OP_LIMIT,
        },
  );
  for (const profile of [SPEED, BALANCED, LEAN]) {
    out.push(
      ratioTarget(
        `${profile.replace('leanmalloc-', '')}: cross-thread ops/s ≥ 0.9× mimalloc`,
        runs,
        present,
        profile,
        REFERENCE,
        'xthread',
        'ge',
        0.9,
      ),
    );
  }
  return out;
}

export const XDRAIN_LIMIT_FRACTION = 0.1;

/** Beyond tiny blocks: blocks above 16 KiB, cross-thread frees of medium blocks, big buffers, alloc-test's
 * shape (a large working set of small blocks), and the memory of
 * exited threads. */
export function evaluateSizeTargets(runs: readonly RunRecord[], summaries: readonly AllocatorSummary[]): TargetResult[] {
  const present = summaries.map((s) => s.allocator);
  const out: TargetResult[] = [
    ratioTarget(
      'speed: medium blocks (random 16–256 KiB, 200 live) ops/s ≥ 1.0× mimalloc',
      runs,
      present,
      SPEED,
      REFERENCE,
      'medium',
      'ge',
      1.0,
    ),
    ratioTarget('speed: cross-thread 20 KB blocks ops/s ≥ 1.0× mimalloc', runs, present, SPEED, REFERENCE, 'xthread_medium', 'ge', 1.0),
    ratioTarget('speed: 5–25 MiB buffers ops/s ≥ 1.0× glibc', runs, present, SPEED, 'glibc', 'largebuf', 'ge', 1.0),
    ratioTarget("speed: alloc-test's shape, 1 thread, ops/s ≥ 1.0× mimalloc", runs, present, SPEED, REFERENCE, 'alloctest', 'ge', 1.0),
    ratioTarget("speed: alloc-test's shape, 2 threads, ops/s ≥ 1.0× mimalloc", runs, present, SPEED, REFERENCE, 'alloctest2', 'ge', 1.0),
  ];
  const target = `lean: RSS − LazyFree ${XDRAIN_CHECK_MS / 1000} s after main frees the blocks of exited threads ≤ ${XDRAIN_LIMIT_FRACTION * 100} % of the peak`;
  const held = summaries.find((s) => s.allocator === LEAN)?.xdrain.heldFractionAt2s ?? null;
  out.push(
    held
      ? {
          target,
          verdict: held.median <= XDRAIN_LIMIT_FRACTION ? 'PASS' : 'FAIL',
          measured: `${(held.median * 100).toFixed(1)} % (min ${(held.min * 100).toFixed(1)}, max ${(held.max * 100).toFixed(1)}, n=${held.n})`,
          value: held.median,
          threshold: XDRAIN_LIMIT_FRACTION,
        }
      : { target, verdict: 'N/A', measured: missing([LEAN], present) ?? 'no xdrain run', value: null, threshold: XDRAIN_LIMIT_FRACTION },
  );
  return out;
}
