/** A validated, normalised soak plan: every default filled in, every duration in ms, sizes in bytes. */

/**
 * The peer allocators a plan (and the benchmark) can name: Debian-packaged, preloaded from the system's library
 * directories (plan/allocators.ts looks for them), with the soname to preload and the package that ships it.
 */
export const SYSTEM_ALLOCATORS: Readonly<Record<string, { library: string; debianPackage: string }>> = {
  mimalloc: { library: 'libmimalloc.so.2', debianPackage: 'libmimalloc2.0' },
  jemalloc: { library: 'libjemalloc.so.2', debianPackage: 'libjemalloc2' },
  tcmalloc: { library: 'libtcmalloc_minimal.so.4', debianPackage: 'libtcmalloc-minimal4' },
};

/** Every allocator a plan can name: allocsoak's own, the C library's, and the peers. */
export const NAMED_ALLOCATORS: readonly string[] = ['leanmalloc', 'glibc', ...Object.keys(SYSTEM_ALLOCATORS)];

export const COMPARISON_GOALS = ['speed', 'memory'] as const;
export type ComparisonGoal = (typeof COMPARISON_GOALS)[number];

export interface PlanVariant {
  name: string;
  /** A named allocator, an absolute path to a .so, or null (a custom command run without preload). */
  allocator: string | null;
  /** Extra environment for the workload (values are strings). */
  env: Record<string, string>;
  /** Extra random_mixed arguments (always empty when `command` is set). */
  args: string[];
  /** A program speaking the workload protocol, replacing random_mixed; null = random_mixed. */
  command: string[] | null;
  /** When true, a missing allocator library skips the variant with a warning instead of failing. */
  optional: boolean;
  /**
   * A label for the build this variant runs (e.g. "v2.1-rc1"), stored with each epoch as build_label; it wins
   * over ALLOCSOAK_BUILD in the daemon's environment. Absent when the plan does not give one.
   */
  build?: string;
}

export interface PlanComparison {
  baseline: string;
  candidate: string;
  goal: ComparisonGoal;
  /** Judgement criteria overrides; keys are interpreted by the judgement module. */
  criteria: Record<string, number>;
}

import type { PlanMode } from '../domain/types.js';
export { PLAN_MODES, type PlanMode } from '../domain/types.js';

export interface Plan {
  name: string;
  /** Absent in plans stored before duet epochs existed: sequential. */
  mode: PlanMode;
  epoch_ms: number;
  warmup_ms: number;
  interval_ms: number;
  /** node-cron expression; null = run continuously. */
  schedule: string | null;
  rss_limit_bytes: number | null;
  variants: PlanVariant[];
  comparisons: PlanComparison[];
  reference: string | null;
}

export const PLAN_DEFAULTS = {
  epoch_ms: 60 * 60 * 1000,
  warmup_ms: 2 * 60 * 1000,
  interval_ms: 1000,
} as const;
