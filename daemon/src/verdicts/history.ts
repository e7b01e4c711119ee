/**
 * A variant's history across builds: what REST (GET /history), the CLI (`allocsoak history`) and the page
 * show. A build is a distinct allocator library (its sha256), labelled by the epochs' build label and git
 * commit when known; builds are ordered by their first epoch. Per build: its epochs, and the median with a
 * distribution-free interval (stats/median-interval.ts) of throughput, held and true-peak RSS, drift and
 * syscalls per op, each per epoch as domain/measures.ts defines them. Between consecutive builds, the later
 * one is judged against the earlier one with the verdict rules of an A/B comparison (judgement's
 * judgeComparison, goal speed), unpaired since builds never run side by side; memory by the memory goal's
 * "no memory effect" band (rss_equivalence_pct) on the same ratio. A GO, a NO-GO or a memory change marks a
 * change point. Everything is read from the per-epoch rows (epochs table), never from samples.
 */
import { chooseBasis, judgedDrift, peakRss, throughputOn, type MeasuredEpoch, type ThroughputBasis } from '../domain/measures.js';
import { ratioChange, shortCommit } from '../domain/format.js';
import { requireKnownVariant } from '../domain/parameters.js';
import { WORKLOAD_FAILURES } from '../domain/types.js';
import { medianInterval } from '../stats/median-interval.js';
import {
  judgeComparison,
  resolveCriteria,
  type ComparisonVerdict,
  type JudgedEpoch,
  type RatioEstimate,
  type Reason,
  type VerdictValue,
} from '../judgement/index.js';
import type { EpochRow, Store } from '../storage/index.js';

export interface HistoryRequest {
  variant: string;
}

/** A per-epoch measure of a build: the median over its completed epochs and the interval of that median. */
export interface BuildMeasure {
  median: number | null;
  low: number | null;
  high: number | null;
  /** Completed epochs with a value. */
  n: number;
}

export type ChangeKind = 'slower' | 'faster' | 'guardrail' | 'more_memory' | 'less_memory';
export type MemoryChange = 'more' | 'less' | 'none' | 'undecided';

/** A build judged against the build before it. */
export interface BuildChange {
  /** The build it is judged against (its index). */
  against: number;
  /** A change point: the speed verdict is GO or NO-GO, or memory surely moved beyond the equivalence band. */
  marked: boolean;
  kinds: ChangeKind[];
  /** The speed verdict of this build (candidate) against the previous one (baseline), unpaired. */
  speed: {
    verdict: VerdictValue;
    decided_by: string;
    epochs_needed_per_arm: number | null;
    throughput_basis: ThroughputBasis;
    throughput: RatioEstimate | null;
    reasons: Reason[];
  };
  /** RSS of this build over the previous one on the basis judged (held memory when both have it, else the peak). */
  memory: {
    basis: 'held' | 'peak';
    ratio: RatioEstimate | null;
    /** The memory goal's band of "no memory effect", ± this percent. */
    equivalence_pct: number;
    change: MemoryChange;
  };
  /** One line: what changed, with the ratios. */
  summary: string;
}

export interface HistoryBuild {
  /** 1-based, in order of the build's first epoch. */
  index: number;
  /** What every surface calls it: the label, else the short commit (with "+dirty"), else the library hash's first 12 digits. */
  name: string;
  library_sha256: string | null;
  /** The build label of its newest epoch that has one. */
  label: string | null;
  /** The git commit of its newest epoch that has one. */
  commit: string | null;
  /** true when any of its epochs ran from a dirty work tree, false when all with a commit were clean, null unknown. */
  dirty: boolean | null;
  first_started_at: string;
  last_started_at: string;
  campaigns: number[];
  epochs: { completed: number; failed: number; ignored: number };
  throughput: BuildMeasure;
  rss_held_bytes: BuildMeasure;
  rss_peak_bytes: BuildMeasure;
  drift_pct: BuildMeasure;
  syscalls_per_op: BuildMeasure;
  /** Against the previous build; null for the first. */
  change: BuildChange | null;
}

export interface HistoryResult {
  variant: string;
  /** The throughput every build's figure is on (per CPU-second when every completed epoch of the variant has it). */
  throughput_basis: ThroughputBasis;
  confidence: number;
  /** Consecutive builds never run together: every comparison is unpaired (Mann–Whitney, two-sample Hodges–Lehmann). */
  analysis: 'unpaired';
  builds: HistoryBuild[];
  /** Indices of the builds at which a change point is marked. */
  change_points: number[];
}

type Row = EpochRow;

function byStart(a: Row, b: Row): number {
  return a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a.id - b.id;
}

function lastNonNull<T>(rows: readonly Row[], pick: (r: Row) => T | null): T | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = pick(rows[i] as Row);
    if (v !== null) return v;
  }
  return null;
}

function measureOf(rows: readonly Row[], pick: (r: Row) => number | null | undefined, confidence: number): BuildMeasure {
  const xs = rows.map((r) => pick(r)).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const m = medianInterval(xs, confidence);
  return m === null ? { median: null, low: null, high: null, n: 0 } : { median: m.median, low: m.low, high: m.high, n: m.n };
}

function buildName(label: string | null, commit: string | null, dirty: boolean | null, sha: string | null): string {
  if (label !== null) return label;
  if (commit !== null) return `${shortCommit(commit)}${dirty === true ? '+dirty' : ''}`;
  if (sha !== null) return `lib ${sha.slice(0, 12)}`;
  return 'no library';
}

/** One build's epochs relabelled as an arm of its own: no other build shares its "campaign" or rounds, so nothing pairs. */
function asArm(rows: readonly Row[], index: number): JudgedEpoch[] {
  return rows.map((r) => ({ ...r, variant: `build ${index}`, campaign_id: -index, round: null }));
}

/** "−9.8 % [−11.2 %, −8.1 %]": the ratio's change with its interval. */
function ratioText(est: RatioEstimate | null): string {
  if (est === null) return 'not measured';
  const iv =
    est.low === null || est.high === null ? ' (too few epochs for an interval)' : ` [${ratioChange(est.low)}, ${ratioChange(est.high)}]`;
  return `${ratioChange(est.ratio)}${iv}`;
}

function memoryChange(est: RatioEstimate | null, eqPct: number): MemoryChange {
  if (est === null || est.low === null || est.high === null) return 'undecided';
  const lo = 1 - eqPct / 100;
  const hi = 1 + eqPct / 100;
  if (est.low > hi) return 'more';
  if (est.high < lo) return 'less';
  if (est.low >= lo && est.high <= hi) return 'none';
  return 'undecided';
}

function judgeChange(prev: readonly Row[], cur: readonly Row[], prevIndex: number, index: number): BuildChange {
  const verdict: ComparisonVerdict = judgeComparison([...asArm(prev, prevIndex), ...asArm(cur, index)], {
    baseline: `build ${prevIndex}`,
    candidate: `build ${index}`,
    goal: 'speed',
  });
  const eqPct = resolveCriteria('memory').rss_equivalence_pct;
  const basis: 'held' | 'peak' = verdict.rss_held !== null ? 'held' : 'peak';
  const ratio = basis === 'held' ? verdict.rss_held : verdict.rss_peak;
  const mem = memoryChange(ratio, eqPct);
  const kinds: ChangeKind[] = [];
  if (verdict.verdict === 'GO') kinds.push('faster');
  if (verdict.verdict === 'NO-GO') kinds.push(verdict.decided_by.startsWith('guard.') ? 'guardrail' : 'slower');
  if (mem === 'more') kinds.push('more_memory');
  if (mem === 'less') kinds.push('less_memory');
  const words: Record<ChangeKind, string> = {
    slower: 'slower',
    faster: 'faster',
    guardrail: `guardrail (${verdict.decided_by})`,
    more_memory: 'more memory',
    less_memory: 'less memory',
  };
  const head = kinds.length === 0 ? 'no change marked' : `change: ${kinds.map((k) => words[k]).join(', ')}`;
  const summary =
    `${head}; speed ${verdict.verdict} (throughput ${ratioText(verdict.throughput)}), ` +
    `${basis === 'held' ? 'held' : 'peak'} RSS ${ratioText(ratio)} (${mem}, band ±${eqPct} %)`;
  return {
    against: prevIndex,
    marked: kinds.length > 0,
    kinds,
    speed: {
      verdict: verdict.verdict,
      decided_by: verdict.decided_by,
      epochs_needed_per_arm: verdict.epochs_needed_per_arm,
      throughput_basis: verdict.throughput_basis,
      throughput: verdict.throughput,
      reasons: verdict.reasons,
    },
    memory: { basis, ratio, equivalence_pct: eqPct, change: mem },
    summary,
  };
}

/** The history of one variant across the builds of its allocator library. Throws InputError for an unknown variant. */
export function history(store: Store, req: HistoryRequest): HistoryResult {
  requireKnownVariant(store.variants.names(), req.variant, 'variant');
  const confidence = resolveCriteria('speed').confidence;
  const rows = store.epochs.listRows({ variant: req.variant }).sort(byStart);
  // Builds in order of their first epoch: a library that comes back later is the same build.
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = r.allocator_sha256 ?? '';
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]);
    else g.push(r);
  }
  const completedOf = (g: readonly Row[]): Row[] => g.filter((r) => r.outcome === 'completed');
  const all = [...groups.values()];
  const basis = chooseBasis(
    all.map((g) => completedOf(g) as MeasuredEpoch[]),
    resolveCriteria('speed').throughput_per_cpu_second === 1,
  );
  const tp = throughputOn(basis);
  const builds: HistoryBuild[] = all.map((g, i) => {
    const index = i + 1;
    const completed = completedOf(g);
    const failed = g.filter((r) => (WORKLOAD_FAILURES as readonly string[]).includes(r.outcome)).length;
    const label = lastNonNull(g, (r) => r.build_label);
    const commit = lastNonNull(g, (r) => r.build_commit);
    const flags = g.map((r) => r.build_dirty).filter((d): d is number => d !== null);
    const dirty = flags.length === 0 ? null : flags.some((d) => d === 1);
    const sha = g[0]?.allocator_sha256 ?? null;
    return {
      index,
      name: buildName(label, commit, dirty, sha),
      library_sha256: sha,
      label,
      commit,
      dirty,
      first_started_at: (g[0] as Row).started_at,
      last_started_at: (g[g.length - 1] as Row).started_at,
      campaigns: [...new Set(g.map((r) => r.campaign_id))].sort((a, b) => a - b),
      epochs: { completed: completed.length, failed, ignored: g.length - completed.length - failed },
      throughput: measureOf(completed, tp, confidence),
      rss_held_bytes: measureOf(completed, (r) => r.rss_held_bytes, confidence),
      rss_peak_bytes: measureOf(completed, peakRss, confidence),
      drift_pct: measureOf(completed, (r) => judgedDrift(r)?.pct, confidence),
      syscalls_per_op: measureOf(completed, (r) => r.syscalls_per_op, confidence),
      change: i === 0 ? null : judgeChange(all[i - 1] as Row[], g, index - 1, index),
    };
  });
  return {
    variant: req.variant,
    throughput_basis: basis,
    confidence,
    analysis: 'unpaired',
    builds,
    change_points: builds.filter((b) => b.change?.marked === true).map((b) => b.index),
  };
}
