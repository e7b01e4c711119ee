/**
 * Per-epoch analysis: a series of interval samples → the analysis columns of `epochs`.
 *
 * Warm-up: statistics use the samples taken at or after `warmupMs` (the "measured part"). Throughput
 * intervals start at the first measured sample, so no interval straddles the warm-up. When fewer than two
 * samples were taken after the warm-up (the epoch ended early, e.g. it crashed or was stopped), every sample is
 * used instead, counters and syscalls are taken from the start of the workload, and `analysis_note` says so.
 */
import { COUNTED_SYSCALLS, type CountedSyscall, type Sample } from '../domain/types.js';
import { cv, mean, median, quantileSorted, sorted } from '../stats/descriptive.js';
import { theilSen, type SlopeEstimate } from '../stats/theil-sen.js';
import type { EpochAnalysis } from '../domain/epoch-fields.js';

export type SyscallCounts = Record<CountedSyscall, number>;

/** Cumulative memory-syscall counts read from the launcher. */
export interface SyscallSnapshots {
  /** Counts when the warm-up ended; without them the whole epoch is counted (and the note says so). */
  at_warmup_end?: SyscallCounts | null;
  /** Counts when the workload exited (or was stopped). */
  at_end: SyscallCounts;
}

/** The workload's final protocol line, when it printed one. */
export interface EndLine {
  ops: number;
  elapsed_ms: number;
  counters?: Record<string, number>;
  cpu_ms?: number | null;
}

export interface AnalyzeOptions {
  warmupMs: number;
  intervalMs: number;
  /**
   * The reset of the workload's VmHWM at the first sample at or after the warm-up end (supervisor): with it,
   * VmHWM at later samples is the true peak of the measured part. null: the supervisor did not reset it;
   * left out: the caller knows nothing of VmHWM resets, and rss_hwm_bytes / hwm_reset stay null.
   */
  peakReset?: { t_ms: number; refused: string | null } | null;
}

/** Long series are thinned to at most this many points for the O(n²) Theil–Sen slope. */
export const MAX_SLOPE_POINTS = 400;
/** A gap between samples longer than this many intervals is mentioned in the note (the workload stalled). */
export const GAP_INTERVALS = 3;

const MS_PER_HOUR = 3_600_000;

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function roundOrNull(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Math.round(x);
}

/** Every k-th element so that at most `max` remain, always keeping the last one. */
export function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const stride = Math.ceil(xs.length / max);
  const out: T[] = [];
  for (let i = 0; i < xs.length; i += stride) out.push(xs[i] as T);
  const last = xs[xs.length - 1] as T;
  if (out[out.length - 1] !== last) {
    if (out.length >= max) out[out.length - 1] = last;
    else out.push(last);
  }
  return out;
}

/**
 * The later half of a time series (t_ms at or after the midpoint of its first and last sample): where the
 * leak check looks for growth that persists.
 */
export function laterHalf<T extends { t_ms: number }>(xs: readonly T[]): T[] {
  if (xs.length === 0) return [];
  const mid = ((xs[0] as T).t_ms + (xs[xs.length - 1] as T).t_ms) / 2;
  return xs.filter((x) => x.t_ms >= mid);
}

/** Throughput (ops/s) of every interval between consecutive samples. */
export function intervalThroughputs(samples: readonly Sample[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    const dt = b.t_ms - a.t_ms;
    if (dt > 0) out.push(((b.ops - a.ops) * 1000) / dt);
  }
  return out;
}

/** Ops per CPU-second of every interval between consecutive samples that both report cpu_ms. */
export function intervalCpuThroughputs(samples: readonly Sample[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    if (a.cpu_ms === null || b.cpu_ms === null) continue;
    const dcpu = b.cpu_ms - a.cpu_ms;
    if (dcpu > 0) out.push(((b.ops - a.ops) * 1000) / dcpu);
  }
  return out;
}

interface SeriesStats {
  initial: number | null;
  final: number | null;
  peak: number | null;
  drift_pct: number | null;
}

function seriesStats(values: readonly number[]): SeriesStats {
  if (values.length === 0) return { initial: null, final: null, peak: null, drift_pct: null };
  const initial = values[0] as number;
  const final = values[values.length - 1] as number;
  return {
    initial,
    final,
    peak: Math.max(...values),
    drift_pct: initial > 0 ? ((final - initial) / initial) * 100 : null,
  };
}

function counterDelta(end: Record<string, number>, base: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [k, v] of Object.entries(end)) if (Number.isFinite(v)) delta[k] = v - (base[k] ?? 0);
  return delta;
}

/** The samples the statistics use, and what the notes say about them. */
interface MeasuredPart {
  /** Every sample, in time order, one per t_ms. */
  all: Sample[];
  last: Sample | undefined;
  /** The samples at or after the warm-up; every sample when fewer than two are. */
  measured: Sample[];
  warmupApplied: boolean;
  notes: string[];
}

function measuredPart(samples: readonly Sample[], warmupMs: number): MeasuredPart {
  const notes: string[] = [];
  // Defensive: time order, one sample per t_ms.
  const all = [...samples].sort((a, b) => a.t_ms - b.t_ms).filter((s, i, xs) => i === 0 || s.t_ms !== (xs[i - 1] as Sample).t_ms);
  const last = all[all.length - 1];
  let measured = all.filter((s) => s.t_ms >= warmupMs);
  const warmupApplied = measured.length >= 2;
  if (!warmupApplied) {
    measured = all;
    if (all.length === 0) notes.push('no samples were stored');
    else {
      notes.push(
        `fewer than 2 samples after the ${warmupMs} ms warm-up (last sample at ${last?.t_ms ?? 0} ms): ` +
          `statistics use all ${all.length} samples, counters and syscalls count from the start`,
      );
    }
  }
  return { all, last, measured, warmupApplied, notes };
}

/** Mentions gaps between samples longer than GAP_INTERVALS intervals (the workload stalled). */
function noteGaps(measured: readonly Sample[], intervalMs: number, notes: string[]): void {
  const gaps = measured.filter((s, i) => i > 0 && s.t_ms - (measured[i - 1] as Sample).t_ms > GAP_INTERVALS * intervalMs).length;
  if (gaps > 0) notes.push(`${gaps} gap(s) longer than ${GAP_INTERVALS} intervals between samples`);
}

/** Theil–Sen slope of RSS in bytes/hour over at most MAX_SLOPE_POINTS of the points; null below `minPoints`. */
function rssSlope(points: readonly (Sample & { rss_bytes: number })[], minPoints: number): SlopeEstimate | null {
  const thinned = thin(points, MAX_SLOPE_POINTS);
  return thinned.length >= minPoints
    ? theilSen(
        thinned.map((s) => s.t_ms / MS_PER_HOUR),
        thinned.map((s) => s.rss_bytes),
      )
    : null;
}

/**
 * Held-memory drift: the growth of held memory (RSS − LazyFree) along its robust Theil–Sen line over the
 * measured part, in percent of the line's start. A burst is a few samples high (or one, or none when it falls
 * between samples); the line's median slopes and intercept ignore them, where the endpoints drift by
 * thousands of percent when a burst is live at the last sample. Null below 2 points or a start at or under 0.
 */
function heldDriftPct(points: readonly { t_ms: number; held: number }[]): number | null {
  const thinned = thin(points, MAX_SLOPE_POINTS);
  if (thinned.length < 2) return null;
  const hours = thinned.map((p) => p.t_ms / MS_PER_HOUR);
  const line = theilSen(
    hours,
    thinned.map((p) => p.held),
  );
  const start = line.intercept + line.slope * (hours[0] as number);
  const end = line.intercept + line.slope * (hours[hours.length - 1] as number);
  return start > 0 && Number.isFinite(end) ? ((end - start) / start) * 100 : null;
}

/** RSS after warm-up, raw and LazyFree-adjusted, held memory, and the slopes of the whole and the later half. */
interface RssStats {
  rss: SeriesStats;
  adj: SeriesStats;
  held: number[];
  heldDrift: number | null;
  slope: SlopeEstimate | null;
  lateSlope: SlopeEstimate | null;
}

function rssStats(measured: readonly Sample[]): RssStats {
  const rssSamples = measured.filter((s): s is Sample & { rss_bytes: number } => s.rss_bytes !== null);
  const heldPoints = rssSamples.map((s) => ({ t_ms: s.t_ms, held: s.rss_bytes - (s.lazyfree_bytes ?? 0) }));
  return {
    rss: seriesStats(rssSamples.map((s) => s.rss_bytes)),
    adj: seriesStats(
      measured
        .filter((s) => s.rss_bytes !== null && s.lazyfree_bytes !== null)
        .map((s) => (s.rss_bytes as number) - (s.lazyfree_bytes as number)),
    ),
    held: heldPoints.map((p) => p.held),
    heldDrift: heldDriftPct(heldPoints),
    slope: rssSlope(rssSamples, 2),
    // Persistence: the slope over the later half of the measured part (at least 3 points).
    lateSlope: rssSlope(laterHalf(rssSamples), 3),
  };
}

/** The true peak after warm-up (rss_hwm_bytes) and whether VmHWM was reset (hwm_reset); notes what was used instead. */
function truePeak(
  part: MeasuredPart,
  largestSample: number | null,
  reset: AnalyzeOptions['peakReset'],
): { hwm: number | null; reset: number | null } {
  if (reset === undefined) return { hwm: null, reset: null };
  const lastHwm = (xs: readonly Sample[]): number | null => [...xs].reverse().find((s) => s.hwm_bytes !== null)?.hwm_bytes ?? null;
  const atLeast = (x: number | null): number | null =>
    x === null ? largestSample : largestSample === null ? x : Math.max(x, largestSample);
  const sinceStart = lastHwm(part.all);
  const instead =
    sinceStart !== null
      ? 'the peak is VmHWM since the workload started (warm-up included)'
      : 'the peak is the largest sample (bursts between samples missed)';
  if (!part.warmupApplied) return { hwm: atLeast(sinceStart), reset: reset === null ? null : reset.refused === null ? 1 : 0 };
  if (reset === null) {
    part.notes.push(`VmHWM was not reset at the warm-up end: ${instead}`);
    return { hwm: atLeast(sinceStart), reset: null };
  }
  if (reset.refused !== null) {
    part.notes.push(`peak reset refused: ${reset.refused}; ${instead}`);
    return { hwm: atLeast(sinceStart), reset: 0 };
  }
  // VmHWM after the reset sample counts from it on; the reset sample's own RSS is in the largest sample.
  const after = lastHwm(part.measured.filter((s) => s.t_ms > reset.t_ms));
  if (after === null) part.notes.push('no VmHWM reading after the peak reset at the warm-up end: the peak is the largest sample');
  return { hwm: atLeast(after), reset: 1 };
}

/** Ops: the measured part runs from the base sample (or the workload start) to the end line (or last sample). */
interface MeasuredOps {
  baseOps: number;
  endOps: number | null;
  measuredOps: number | null;
}

function opsOf(part: MeasuredPart, endLine: EndLine | undefined): MeasuredOps {
  const base = part.measured[0];
  const baseOps = part.warmupApplied && base !== undefined ? base.ops : 0;
  const endOps = endLine?.ops ?? part.last?.ops ?? null;
  return { baseOps, endOps, measuredOps: endOps === null ? null : endOps - baseOps };
}

/** CPU time over the measured part, when the workload reports it (at the base sample and at the end), and the ops it covers. */
function cpuOf(part: MeasuredPart, endLine: EndLine | undefined, ops: MeasuredOps): { cpuOps: number | null; measuredCpu: number | null } {
  const { last, warmupApplied } = part;
  const base = part.measured[0];
  const baseCpu = warmupApplied && base !== undefined ? base.cpu_ms : 0;
  const endCpu = endLine?.cpu_ms ?? last?.cpu_ms ?? null;
  return {
    cpuOps: typeof endLine?.cpu_ms === 'number' ? ops.measuredOps : last === undefined ? null : last.ops - ops.baseOps,
    measuredCpu: baseCpu === null || endCpu === null ? null : endCpu - baseCpu,
  };
}

/** Allocator counters: deltas over the measured part and per-op rates, as counters_json. */
function countersOf(
  part: MeasuredPart,
  endLine: EndLine | undefined,
  ops: MeasuredOps,
): { delta: Record<string, number>; countersJson: string | null } {
  const { last, warmupApplied } = part;
  const base = part.measured[0];
  const endCounters = endLine?.counters !== undefined && Object.keys(endLine.counters).length > 0 ? endLine.counters : last?.counters;
  const counterOps = endCounters === endLine?.counters ? ops.measuredOps : last === undefined ? null : last.ops - ops.baseOps;
  const baseCounters = warmupApplied && base !== undefined ? base.counters : {};
  let countersJson: string | null = null;
  let delta: Record<string, number> = {};
  if (endCounters !== undefined && Object.keys(endCounters).length > 0) {
    delta = counterDelta(endCounters, baseCounters);
    const perOp: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(delta)) perOp[k] = counterOps !== null && counterOps > 0 ? v / counterOps : null;
    countersJson = JSON.stringify({ delta, per_op: perOp });
  }
  return { delta, countersJson };
}

/** Memory syscalls over the measured part (whole epoch without a warm-up snapshot), and the ops they cover. */
function syscallsOf(
  syscalls: SyscallSnapshots | undefined,
  part: MeasuredPart,
  ops: MeasuredOps,
): { sys: SyscallCounts | null; sysTotal: number | null; sysOps: number | null } {
  let sys: Record<CountedSyscall, number> | null = null;
  let sysOps = ops.measuredOps;
  if (syscalls !== undefined) {
    const from = part.warmupApplied ? syscalls.at_warmup_end : null;
    if (from === null || from === undefined) {
      sysOps = ops.endOps;
      if (part.warmupApplied) part.notes.push('syscalls counted over the whole epoch (no count at the end of the warm-up)');
    }
    sys = { mmap: 0, munmap: 0, madvise: 0, mremap: 0, brk: 0 };
    for (const name of COUNTED_SYSCALLS) sys[name] = syscalls.at_end[name] - (from?.[name] ?? 0);
  }
  const sysTotal = sys === null ? null : COUNTED_SYSCALLS.reduce((acc, n) => acc + (sys as SyscallCounts)[n], 0);
  return { sys, sysTotal, sysOps };
}

export function analyzeEpoch(
  samples: readonly Sample[],
  opts: AnalyzeOptions,
  syscalls?: SyscallSnapshots,
  endLine?: EndLine,
): EpochAnalysis {
  const part = measuredPart(samples, opts.warmupMs);
  const { all, last, measured, notes } = part;
  const tput = intervalThroughputs(measured);
  const ts = sorted(tput);
  const q = (p: number): number | null => (ts.length === 0 ? null : finite(quantileSorted(ts, p)));
  noteGaps(measured, opts.intervalMs, notes);
  const { rss, adj, held, heldDrift, slope, lateSlope } = rssStats(measured);
  const hwm = [...all].reverse().find((s) => s.hwm_bytes !== null)?.hwm_bytes ?? null;
  const peak = truePeak(part, rss.peak, opts.peakReset);
  const ops = opsOf(part, endLine);
  const { endOps } = ops;
  const { cpuOps, measuredCpu } = cpuOf(part, endLine, ops);
  const cpuTput = intervalCpuThroughputs(measured);
  const { delta, countersJson } = countersOf(part, endLine, ops);
  const { sys, sysTotal, sysOps } = syscallsOf(syscalls, part, ops);

  return {
    ops: endOps,
    // The protocol's clock is fractional; the column is whole milliseconds.
    elapsed_ms: roundOrNull(endLine?.elapsed_ms ?? last?.t_ms ?? null),
    throughput_mean: tput.length === 0 ? null : finite(mean(tput)),
    throughput_median: tput.length === 0 ? null : finite(median(ts)),
    throughput_cv: tput.length < 2 ? null : finite(cv(tput)),
    throughput_p1: q(0.01),
    throughput_p5: q(0.05),
    throughput_p50: q(0.5),
    throughput_p95: q(0.95),
    throughput_p99: q(0.99),
    cpu_ms: measuredCpu !== null && measuredCpu >= 0 ? measuredCpu : null,
    throughput_cpu: measuredCpu !== null && measuredCpu > 0 && cpuOps !== null ? finite((cpuOps * 1000) / measuredCpu) : null,
    throughput_cpu_cv: cpuTput.length < 2 ? null : finite(cv(cpuTput)),
    rss_initial_bytes: rss.initial,
    rss_final_bytes: rss.final,
    rss_hwm_bytes: peak.hwm,
    hwm_reset: peak.reset,
    rss_peak_bytes: rss.peak,
    hwm_bytes: hwm,
    rss_drift_pct: finite(rss.drift_pct ?? undefined),
    rss_held_drift_pct: finite(heldDrift ?? undefined),
    rss_slope_bytes_per_hour: slope === null ? null : finite(slope.slope),
    rss_slope_low: slope === null ? null : finite(slope.low),
    rss_slope_high: slope === null ? null : finite(slope.high),
    rss_slope_late_bytes_per_hour: lateSlope === null ? null : finite(lateSlope.slope),
    adj_rss_initial_bytes: adj.initial,
    adj_rss_final_bytes: adj.final,
    adj_rss_peak_bytes: adj.peak,
    adj_rss_drift_pct: finite(adj.drift_pct ?? undefined),
    rss_held_bytes: held.length === 0 ? null : roundOrNull(median(held)),
    syscalls_mmap: sys?.mmap ?? null,
    syscalls_munmap: sys?.munmap ?? null,
    syscalls_madvise: sys?.madvise ?? null,
    syscalls_mremap: sys?.mremap ?? null,
    syscalls_brk: sys?.brk ?? null,
    syscalls_total: sysTotal,
    syscalls_per_op: sysTotal !== null && sysOps !== null && sysOps > 0 ? sysTotal / sysOps : null,
    lean_decommit: delta['lean_decommit'] ?? null,
    lean_retire: delta['lean_retire'] ?? null,
    counters_json: countersJson,
    analysis_note: notes.length === 0 ? null : notes.join('; '),
  };
}
