/**
 * The plan each bisect step runs: a duet under the adaptive schedule of two variants that differ only in
 * the library they preload — the good build and the step's build — judged by one comparison with the
 * run's goal. What the workload is (program, arguments, env), the epoch, warm-up, interval and RSS limit
 * come from the user's plan (`--plan`), else from the built-in one below; the user plan's allocators are
 * ignored. Every step's plan is checked by the plan module, as `allocsoak run` checks a plan file.
 */
import { preparePlan, validatePlan, type ComparisonGoal, type Plan, type PlanVariant, type ResolvedPlan } from '../plan/index.js';

/**
 * The built-in workload of a bisect without `--plan`: random_mixed, one thread per arm (a duet needs a CPU
 * for each), 20-second epochs after a 5-second warm-up, sampled every 500 ms. A speed bisect treats a change
 * within 1 % as no change (criterion `slowdown_tolerance_pct: 1`, instead of the default 0.25 %), so that
 * an unchanged commit settles as NEUTRAL in a few dozen rounds on a noisy machine.
 */
export const DEFAULT_BISECT_PLAN = {
  name: 'bisect',
  epoch: '20s',
  warmup: '5s',
  interval: '500ms',
  variants: [{ name: 'workload', allocator: 'glibc', args: ['--ws', '400', '--max-size', '1024'] }],
} as const;

/**
 * Criteria every bisect step starts from, under those of the user plan's comparison: no absolute limit on
 * memory syscalls per op (`syscalls_nogo_per_op` at its maximum). That guardrail is a soak's rule, not a
 * change: a good build already above it (an allocator that trims often) would make steps NO-GO whenever one
 * epoch's syscall count is 25 % above its partner's — measured on test/stack/bisect's memory range, every
 * step was NO-GO after one pair, the A/A confirmation too. A speed bisect also treats a change within 1 % as
 * no change (`slowdown_tolerance_pct: 1`, instead of 0.25 %), so that an unchanged commit settles as
 * NEUTRAL in a few dozen rounds on a noisy machine.
 * A memory bisect asks whether memory grew, not whether it was cut by half as a soak's memory comparison
 * does: `rss_cut_nogo_pct: -5` makes NO-GO "surely more than 5 % above the good build" (the same margin as
 * rss_equivalence_pct; at 0, an unchanged commit measured at 1.029 [1.001, 1.077] was NO-GO), so a build that
 * holds the same or less is good; and it judges the memory a build holds between its allocations
 * (`judge_held_rss: 1`: median RSS − LazyFree after warm-up), where "stops giving memory back" shows, rather
 * than the peak, which a burst sets whatever the allocator. No absolute ceiling (`rss_go_below_bytes: 0`): a
 * soak calls a candidate under 10 MiB in every epoch lean whatever its ratio, which would hide a regression
 * between two small builds behind their ratio's interval.
 */
export const BISECT_CRITERIA: Readonly<Record<ComparisonGoal, Readonly<Record<string, number>>>> = {
  speed: { slowdown_tolerance_pct: 1, syscalls_nogo_per_op: 1e6 },
  memory: { syscalls_nogo_per_op: 1e6, rss_cut_nogo_pct: -5, rss_go_below_bytes: 0, judge_held_rss: 1 },
};

/** The built-in plan, validated. */
export function defaultBisectPlan(): Plan {
  return validatePlan(structuredClone(DEFAULT_BISECT_PLAN), 'the built-in bisect plan');
}

/**
 * The variant whose workload every step runs: the baseline of the plan's first comparison, else its first
 * variant.
 */
export function templateVariant(plan: Plan): PlanVariant {
  const baseline = plan.comparisons[0]?.baseline;
  const v = plan.variants.find((x) => x.name === baseline) ?? plan.variants[0];
  if (v === undefined) throw new RangeError('the plan has no variant');
  return v;
}

/**
 * The run's plan, as stored with the run (`bisect_runs.plan_json`): variants `good` and `step` with the
 * template's workload, the goal, and the criteria of the user plan's first comparison (when it has the
 * same goal) over BISECT_CRITERIA. The allocators are placeholders until a step fills them in.
 */
export function bisectPlan(user: Plan | null, goal: ComparisonGoal): Plan {
  const base = user ?? defaultBisectPlan();
  const t = templateVariant(base);
  const first = user?.comparisons[0];
  const criteria = { ...BISECT_CRITERIA[goal], ...(first !== undefined && first.goal === goal ? first.criteria : {}) };
  const variant = (name: string): PlanVariant => ({
    name,
    allocator: `/${name}.so`,
    env: { ...t.env },
    args: [...t.args],
    command: t.command === null ? null : [...t.command],
    optional: false,
  });
  return {
    name: user === null ? 'bisect' : `bisect (${base.name})`,
    mode: 'duet',
    epoch_ms: base.epoch_ms,
    warmup_ms: base.warmup_ms,
    interval_ms: base.interval_ms,
    schedule: 'adaptive',
    rss_limit_bytes: base.rss_limit_bytes,
    variants: [variant('good'), variant('step')],
    comparisons: [{ baseline: 'good', candidate: 'step', goal, criteria }],
    reference: null,
  };
}

/** The raw (YAML-shaped) form of a plan, for the plan module to check again. */
function rawPlan(plan: Plan): Record<string, unknown> {
  return {
    name: plan.name,
    mode: plan.mode,
    epoch: `${plan.epoch_ms}ms`,
    warmup: `${plan.warmup_ms}ms`,
    interval: `${plan.interval_ms}ms`,
    ...(plan.schedule !== null ? { schedule: plan.schedule } : {}),
    ...(plan.rss_limit_bytes !== null ? { rss_limit: plan.rss_limit_bytes } : {}),
    variants: plan.variants.map((v) => ({
      name: v.name,
      ...(v.allocator !== null ? { allocator: v.allocator } : {}),
      ...(Object.keys(v.env).length > 0 ? { env: { ...v.env } } : {}),
      ...(v.command !== null ? { command: [...v.command] } : v.args.length > 0 ? { args: [...v.args] } : {}),
    })),
    comparisons: plan.comparisons.map((c) => ({ ...c, criteria: { ...c.criteria } })),
  };
}

export interface StepArms {
  /** The variants' names in this step (unique per run and step: see step.ts). */
  goodName: string;
  stepName: string;
  /** The libraries the arms preload (absolute paths). */
  goodLibrary: string;
  stepLibrary: string;
  /** The campaign's name. */
  name: string;
}

/** The run's plan with this step's names and libraries, checked and resolved (throws PlanError). */
export function stepPlan(plan: Plan, arms: StepArms, source: string): Promise<ResolvedPlan> {
  const [good, step] = plan.variants;
  const cmp = plan.comparisons[0];
  if (good === undefined || step === undefined || cmp === undefined)
    throw new RangeError('a bisect plan has two variants and a comparison');
  const filled: Plan = {
    ...plan,
    name: arms.name,
    variants: [
      { ...good, name: arms.goodName, allocator: arms.goodLibrary },
      { ...step, name: arms.stepName, allocator: arms.stepLibrary },
    ],
    comparisons: [{ ...cmp, baseline: arms.goodName, candidate: arms.stepName }],
  };
  return preparePlan(rawPlan(filled), source);
}

/**
 * Checks the run's plan before anything is built (every problem at once, as a PlanError): its fields, the
 * workload's arguments (random_mixed checks them), a command's program, and that the duet's threads fit
 * this machine's CPUs. The libraries are not known yet: glibc stands in for them.
 */
export async function checkBisectPlan(plan: Plan, source: string): Promise<void> {
  const raw = rawPlan(plan);
  for (const v of raw['variants'] as Array<Record<string, unknown>>) v['allocator'] = 'glibc';
  await preparePlan(raw, source);
}
