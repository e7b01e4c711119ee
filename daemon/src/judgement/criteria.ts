/**
 * Verdict criteria: their names, defaults per goal, documentation, validation and resolution.
 * A plan may override any of them per comparison (`comparisons[i].criteria.<key>`); the plan code calls
 * `criteriaErrors` to validate and the verdict engine calls `resolveCriteria`.
 * Percentages are in percent (5 = 5 %), like the stored `rss_drift_pct`; rates are per op; sizes in bytes.
 */

export const GOALS = ['speed', 'memory'] as const;
export type Goal = (typeof GOALS)[number];

/** A type alias (not an interface) so that it is assignable to Record<string, number> in response schemas. */
export type Criteria = {
  // --- every goal ---
  /** Two-sided confidence of every interval the verdict reads (0.95). */
  confidence: number;
  /** Completed epochs per arm below which the verdict is INSUFFICIENT. */
  min_epochs: number;
  /** Guardrail: the candidate's median memory syscalls per op above this is NO-GO. */
  syscalls_nogo_per_op: number;
  /** An epoch leaks when the lower confidence bound of its RSS slope exceeds this (bytes/hour). */
  leak_floor_bytes_per_hour: number;
  /** Measured window (s) from which the leak floor alone decides a within-epoch leak. */
  leak_min_window_s: number;
  /** In a shorter window, the growth (lower slope bound × window) must also exceed this (bytes). */
  leak_short_window_bytes: number;
  /** Largest tolerated RSS drift (final vs initial after warm-up, %): per epoch and across epochs. */
  drift_max_pct: number;
  /** Significance level of the across-epoch change-point and trend checks of drift. */
  change_point_alpha: number;
  /** A candidate spread more than this many times the baseline's (and significant) withholds GO. */
  spread_increase_max: number;
  /** Significance level of the spread tests. */
  spread_alpha: number;
  /** 1: judge throughput as ops per CPU-second when every epoch reports CPU time; 0: ops per wall-clock second. */
  throughput_per_cpu_second: number;
  // --- goal: speed ---
  /** A slowdown this small (%) is tolerated as noise; a real slowdown beyond it is NO-GO. */
  slowdown_tolerance_pct: number;
  /** A real speed-up beyond this (%) is GO. */
  speedup_min_pct: number;
  // --- goal: memory ---
  /** GO needs peak RSS cut by at least this (%)... */
  rss_cut_go_pct: number;
  /** ...or the candidate's peak RSS below this in every epoch (bytes). */
  rss_go_below_bytes: number;
  /** A peak RSS cut surely smaller than this (%) is NO-GO; negative: RSS surely grown by more than its size. */
  rss_cut_nogo_pct: number;
  /** GO needs the throughput cost to be surely at most this (%); a surely larger cost is NEUTRAL. */
  throughput_cost_max_pct: number;
  /** GO needs the candidate's median memory syscalls per op below this. */
  syscalls_go_per_op: number;
  /** GO needs the candidate's median within-epoch throughput CV below this (%). */
  cv_max_pct: number;
  /** Peak RSS within ± this (%) of the baseline counts as "no memory effect" (A/A), NEUTRAL instead of NO-GO. */
  rss_equivalence_pct: number;
  /** 1: the RSS criteria read held memory (median RSS − LazyFree after warm-up) instead of the peak. */
  judge_held_rss: number;
};

export type CriterionKey = keyof Criteria;

export interface CriterionSpec {
  key: CriterionKey;
  goals: readonly Goal[];
  default: number;
  min: number;
  max: number;
  /** Whether min/max are excluded. */
  exclusive?: boolean;
  integer?: boolean;
  unit: string;
  description: string;
}

const BOTH: readonly Goal[] = ['speed', 'memory'];
const MEMORY: readonly Goal[] = ['memory'];
const SPEED: readonly Goal[] = ['speed'];

/** Every test's significance level is bounded and defaulted alike: 1 % by default, strictly between 0 and 0.5. */
const SIGNIFICANCE_LEVEL = {
  goals: BOTH,
  default: 0.01,
  min: 0,
  max: 0.5,
  exclusive: true,
  unit: 'probability',
} as const satisfies Omit<CriterionSpec, 'key' | 'description'>;

export const CRITERIA_SPECS: readonly CriterionSpec[] = [
  {
    key: 'confidence',
    goals: BOTH,
    default: 0.95,
    min: 0.5,
    max: 1,
    exclusive: true,
    unit: 'probability',
    description: 'two-sided confidence of every interval',
  },
  {
    key: 'min_epochs',
    goals: BOTH,
    default: 5,
    min: 2,
    max: 100_000,
    integer: true,
    unit: 'epochs',
    description: 'completed epochs per arm below which the verdict is INSUFFICIENT',
  },
  {
    key: 'syscalls_nogo_per_op',
    goals: BOTH,
    default: 1e-5,
    min: 0,
    max: 1e6,
    unit: 'syscalls/op',
    description: 'guardrail: candidate median memory syscalls per op above this is NO-GO',
  },
  {
    key: 'leak_floor_bytes_per_hour',
    goals: BOTH,
    default: 256 * 1024,
    min: 0,
    max: 1e15,
    unit: 'bytes/hour',
    description: 'an epoch leaks when the lower confidence bound of its RSS slope exceeds this',
  },
  {
    key: 'leak_min_window_s',
    goals: BOTH,
    default: 60,
    min: 0,
    max: 1e7,
    unit: 's',
    description: 'measured window from which the leak floor alone decides a within-epoch leak',
  },
  {
    key: 'leak_short_window_bytes',
    goals: BOTH,
    default: 1024 * 1024,
    min: 0,
    max: 1e15,
    unit: 'bytes',
    description: 'in a shorter window, the growth (lower slope bound × window) must also exceed this',
  },
  {
    key: 'drift_max_pct',
    goals: BOTH,
    default: 1,
    min: 0,
    max: 1000,
    unit: '%',
    description: 'largest tolerated RSS drift (final vs initial after warm-up), per epoch and across epochs',
  },
  {
    key: 'change_point_alpha',
    ...SIGNIFICANCE_LEVEL,
    description: 'significance level of the across-epoch change-point and trend checks',
  },
  {
    key: 'spread_increase_max',
    goals: BOTH,
    default: 1.5,
    min: 1,
    max: 1000,
    unit: 'ratio',
    description: 'candidate spread beyond this multiple of the baseline spread (and significant) withholds GO',
  },
  {
    key: 'spread_alpha',
    ...SIGNIFICANCE_LEVEL,
    description: 'significance level of the spread tests',
  },
  {
    key: 'throughput_per_cpu_second',
    goals: BOTH,
    default: 1,
    min: 0,
    max: 1,
    integer: true,
    unit: '1 = CPU-time basis, 0 = wall-clock',
    description:
      'judge throughput as ops per CPU-second of the workload when every epoch reports CPU time (robust to a busy host); 0: ops per wall-clock second',
  },
  {
    key: 'slowdown_tolerance_pct',
    goals: SPEED,
    default: 0.25,
    min: 0,
    max: 100,
    unit: '%',
    description: 'slowdown tolerated as noise; a real slowdown beyond it is NO-GO',
  },
  { key: 'speedup_min_pct', goals: SPEED, default: 1, min: 0, max: 1000, unit: '%', description: 'a real speed-up beyond this is GO' },
  {
    key: 'rss_cut_go_pct',
    goals: MEMORY,
    default: 70,
    min: 0,
    max: 100,
    exclusive: true,
    unit: '%',
    description: 'GO needs peak RSS cut by at least this',
  },
  {
    key: 'rss_go_below_bytes',
    goals: MEMORY,
    default: 10 * 1024 * 1024,
    min: 0,
    max: 1e15,
    unit: 'bytes',
    description: 'or the candidate peak RSS below this in every epoch',
  },
  {
    key: 'rss_cut_nogo_pct',
    goals: MEMORY,
    default: 50,
    // Below 0 it is a growth: −5 makes NO-GO "RSS surely grew by more than 5 %" (what a bisect for memory asks).
    min: -1000,
    max: 100,
    unit: '%',
    description: 'a peak RSS cut surely smaller than this is NO-GO (a negative value: a growth surely larger than its size)',
  },
  {
    key: 'throughput_cost_max_pct',
    goals: MEMORY,
    default: 5,
    min: 0,
    max: 100,
    unit: '%',
    description: 'GO needs the throughput cost surely at most this; surely more is NEUTRAL',
  },
  {
    key: 'syscalls_go_per_op',
    goals: MEMORY,
    default: 1e-6,
    min: 0,
    max: 1e6,
    unit: 'syscalls/op',
    description: 'GO needs candidate median memory syscalls per op below this',
  },
  {
    key: 'cv_max_pct',
    goals: MEMORY,
    default: 2,
    min: 0,
    max: 1000,
    unit: '%',
    description: 'GO needs candidate median within-epoch throughput CV below this',
  },
  {
    key: 'judge_held_rss',
    goals: MEMORY,
    default: 0,
    min: 0,
    max: 1,
    integer: true,
    unit: '1 = held RSS, 0 = peak RSS',
    description:
      'RSS criteria read held memory (median RSS − LazyFree after warm-up) instead of the peak: for workloads with bursts, whose peak is the burst itself',
  },
  {
    key: 'rss_equivalence_pct',
    goals: MEMORY,
    default: 5,
    min: 0,
    max: 100,
    unit: '%',
    description: 'peak RSS within ± this of the baseline is "no memory effect": NEUTRAL rather than NO-GO',
  },
];

const SPEC_BY_KEY = new Map<string, CriterionSpec>(CRITERIA_SPECS.map((s) => [s.key, s]));

function isGoal(goal: unknown): goal is Goal {
  return typeof goal === 'string' && (GOALS as readonly string[]).includes(goal);
}

function describeRange(s: CriterionSpec): string {
  const kind = s.integer ? 'an integer' : 'a number';
  const lo = s.exclusive ? `greater than ${s.min}` : `at least ${s.min}`;
  const hi = s.exclusive ? `less than ${s.max}` : `at most ${s.max}`;
  return `${kind} ${lo} and ${hi} (${s.unit})`;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** One problem with a criteria mapping, structured so a plan validator can report it in its own format. */
export interface CriterionProblem {
  /** The offending key; null for the criteria mapping itself. */
  key: string | null;
  expected: string;
  got: unknown;
}

/**
 * Problems of a comparison's criteria (empty when valid). Values may be numbers or numeric strings
 * (YAML users write 1e-6 either way). `goal` restricts keys to those of the goal when it is valid.
 */
export function criteriaProblems(goal: unknown, criteria: unknown): CriterionProblem[] {
  if (criteria === undefined || criteria === null) return [];
  if (typeof criteria !== 'object' || Array.isArray(criteria)) {
    return [{ key: null, expected: 'a mapping of criterion names to numbers', got: criteria }];
  }
  const problems: CriterionProblem[] = [];
  const known = CRITERIA_SPECS.map((s) => s.key).join(', ');
  for (const [key, raw] of Object.entries(criteria as Record<string, unknown>)) {
    const spec = SPEC_BY_KEY.get(key);
    if (!spec) {
      problems.push({ key, expected: `a known criterion (one of ${known})`, got: key });
      continue;
    }
    if (isGoal(goal) && !spec.goals.includes(goal)) {
      problems.push({ key, expected: `a criterion of goal ${goal} (${key} applies only to goal ${spec.goals.join('/')})`, got: key });
      continue;
    }
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    const inRange =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      !(spec.exclusive ? value <= spec.min : value < spec.min) &&
      !(spec.exclusive ? value >= spec.max : value > spec.max) &&
      !(spec.integer && !Number.isInteger(value));
    if (!inRange) problems.push({ key, expected: describeRange(spec), got: raw });
  }
  if (problems.length === 0 && isGoal(goal)) {
    const c = resolveCriteria(goal, criteria);
    if (goal === 'memory' && c.rss_cut_go_pct < c.rss_cut_nogo_pct) {
      problems.push({ key: 'rss_cut_go_pct', expected: `at least rss_cut_nogo_pct (${c.rss_cut_nogo_pct})`, got: c.rss_cut_go_pct });
    }
    if (goal === 'memory' && c.syscalls_go_per_op > c.syscalls_nogo_per_op) {
      problems.push({
        key: 'syscalls_go_per_op',
        expected: `at most syscalls_nogo_per_op (${c.syscalls_nogo_per_op})`,
        got: c.syscalls_go_per_op,
      });
    }
  }
  return problems;
}

/**
 * Validation errors of a comparison's criteria as messages (empty when valid): `path` names the criteria
 * object, e.g. "plans/quick.yaml: comparisons[0].criteria", so a message reads
 * "plans/quick.yaml: comparisons[0].criteria.speedup_min_pct: expected ..., got ...".
 */
export function criteriaErrors(goal: unknown, criteria: unknown, path = 'criteria'): string[] {
  return criteriaProblems(goal, criteria).map(
    (p) => `${p.key === null ? path : `${path}.${p.key}`}: expected ${p.expected}, got ${show(p.got)}`,
  );
}

/** Throws one Error listing every problem; for callers that want an exception rather than a list. */
export function assertValidCriteria(goal: unknown, criteria: unknown, path = 'criteria'): void {
  const errors = criteriaErrors(goal, criteria, path);
  if (errors.length > 0) throw new Error(errors.join('\n'));
}

/** Defaults of a goal (every key is present; keys of the other goal keep their defaults and are unused). */
export function defaultCriteria(_goal: Goal): Criteria {
  const out: Partial<Record<CriterionKey, number>> = {};
  for (const s of CRITERIA_SPECS) out[s.key] = s.default;
  return out as Criteria;
}

/** Defaults overridden by the given (already validated) values. */
export function resolveCriteria(goal: Goal, overrides?: Readonly<Record<string, unknown>> | Partial<Criteria>): Criteria {
  const c = defaultCriteria(goal);
  if (overrides) {
    for (const [key, raw] of Object.entries(overrides)) {
      if (!SPEC_BY_KEY.has(key)) continue;
      const value = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof value === 'number' && Number.isFinite(value)) c[key as CriterionKey] = value;
    }
  }
  return c;
}
