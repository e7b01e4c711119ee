/**
 * Shared vocabulary of allocsoak: what an epoch is and what is measured of it.
 * Column names in migrations/ and field names in the REST API are these names.
 */

export const OUTCOMES = ['running', 'completed', 'crashed', 'timeout', 'oom', 'failed', 'interrupted', 'aborted'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that end an epoch badly because of the workload (not because of the daemon). */
export const WORKLOAD_FAILURES: readonly Outcome[] = ['crashed', 'timeout', 'oom', 'failed'];

export const CAMPAIGN_STATUSES = ['running', 'completed', 'stopped', 'interrupted'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Memory syscalls counted by the launcher, for any allocator. */
export const COUNTED_SYSCALLS = ['mmap', 'munmap', 'madvise', 'mremap', 'brk'] as const;
export type CountedSyscall = (typeof COUNTED_SYSCALLS)[number];

/** leanmalloc's counters as reported in the protocol's `counters` object. */
export const LEANMALLOC_COUNTERS = [
  'lean_decommit',
  'lean_retire',
  'superslabs_mapped',
  'superslabs_cached',
  'mmap_calls',
  'munmap_calls',
  'madvise_calls',
  'committed_bytes',
] as const;

/** The machine an epoch ran on (columns of `hosts`). */
export interface HostInfo {
  hostname: string;
  kernel: string;
  cpu_model: string;
  cores: number;
  /** The selected transparent_hugepage mode ("always", "madvise", "never"), or "unknown". */
  thp: string;
}

export type { EpochAnalysis, EpochRow, EpochSummary } from './epoch-fields.js';

/** One interval sample: the workload's protocol line joined with /proc readings taken when it arrived. */
export interface Sample {
  t_ms: number;
  ops: number;
  ops_per_sec: number | null;
  rss_bytes: number | null;
  hwm_bytes: number | null;
  rss_anon_bytes: number | null;
  pss_bytes: number | null;
  lazyfree_bytes: number | null;
  /** CPU time the workload reported having used so far (ms), when it reports it. */
  cpu_ms: number | null;
  counters: Record<string, number>;
}

/**
 * How a plan's variants run: one after the other (round robin), or a duet: each round runs one
 * comparison's two arms at the same time, each pinned to CPUs of its own, so that the machine's noise hits
 * both arms alike (docs/judgement.md).
 */
/** How an `allocsoak bisect` run ended (migrations/014): still running, a culprit found, none, or stopped. */
export const BISECT_STATUSES = ['running', 'found', 'no_change', 'inconclusive', 'interrupted', 'failed'] as const;
export type BisectStatus = (typeof BISECT_STATUSES)[number];
/** Why a bisect step ran: an end of the range, a probe inside it, or the culprit's parent re-tested. */
export const BISECT_ROLES = ['endpoint', 'probe', 'confirm'] as const;
export type BisectRole = (typeof BISECT_ROLES)[number];
/** What a step says of its commit: like the good build, changed (bad), untestable (its build failed), or unsettled. */
export const BISECT_OUTCOMES = ['good', 'bad', 'skip', 'unclear'] as const;
export type BisectOutcome = (typeof BISECT_OUTCOMES)[number];

export const PLAN_MODES = ['sequential', 'duet'] as const;
export type PlanMode = (typeof PLAN_MODES)[number];

/**
 * The plan's `schedule` that gives each round to comparisons still open (judged at planned looks, so that
 * stopping a settled one keeps its verdict valid) instead of a fixed rotation; any other schedule is a
 * cron expression.
 */
export const ADAPTIVE_SCHEDULE = 'adaptive';

/** Whether a plan's schedule is the adaptive one. */
export function isAdaptive(plan: { schedule: string | null }): boolean {
  return plan.schedule === ADAPTIVE_SCHEDULE;
}

/** Where a comparison stands after a round: what the adaptive schedule and the round's log line read. */
export interface ComparisonStanding {
  baseline: string;
  candidate: string;
  verdict: string;
  /** True once the verdict is GO, NEUTRAL or NO-GO. */
  settled: boolean;
  /** Pairs (epochs per arm) measured so far, across the series' campaigns. */
  pairs: number;
  /** Further epochs per arm it likely needs; null when settled. */
  more_epochs: number | null;
  /** When it likely settles (ISO), while its campaign runs; null otherwise. */
  settle_at: string | null;
}
