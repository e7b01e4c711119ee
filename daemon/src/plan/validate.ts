/**
 * Plan validation: a plain object (parsed YAML, or a REST body) → a normalised `Plan`, or a `PlanError`
 * listing every problem found (not just the first), each naming the source, the field path and what was expected.
 */
import { validate as validateCron } from 'node-cron';
import { basename, extname } from 'node:path';
import { ADAPTIVE_SCHEDULE } from '../domain/types.js';
import { criteriaProblems } from '../judgement/index.js';
import { describeValue, PlanError, type PlanProblem } from './errors.js';
import { LEANMALLOC_KNOB_PREFIX, leanmallocKnobProblem } from './leanmalloc-knobs.js';
import { closest } from './suggest.js';
import {
  COMPARISON_GOALS,
  NAMED_ALLOCATORS,
  PLAN_DEFAULTS,
  PLAN_MODES,
  type PlanMode,
  type ComparisonGoal,
  type Plan,
  type PlanComparison,
  type PlanVariant,
} from './types.js';
import { formatDuration, parseDuration, parseSize } from './units.js';

export type PlanPath = ReadonlyArray<string | number>;
/** Maps a field path to its 1-based line in the source, when the plan came from a file. */
export type LocateLine = (path: PlanPath) => number | undefined;

export const TOP_LEVEL_KEYS = [
  'name',
  'mode',
  'epoch',
  'warmup',
  'interval',
  'schedule',
  'rss_limit',
  'variants',
  'comparisons',
  'reference',
] as const;
/** The longest build label a plan may give (variants[i].build). */
export const BUILD_LABEL_MAX = 100;

export const VARIANT_KEYS = ['name', 'allocator', 'env', 'args', 'command', 'optional', 'build'] as const;
export const COMPARISON_KEYS = ['baseline', 'candidate', 'goal', 'criteria'] as const;

export const VARIANT_NAME_RE = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CRITERION_NAME_RE = /^[A-Za-z0-9_]+$/;
/** Shortest sampling interval accepted: /proc is read at every sample and must not perturb the workload. */
export const MIN_INTERVAL_MS = 10;

const ALLOCATOR_EXPECTED = `${NAMED_ALLOCATORS.slice(0, -1).join(', ')} or ${NAMED_ALLOCATORS.at(-1)} or a path to a .so`;

export function formatPath(path: PlanPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly problems: PlanProblem[] = [];
  constructor(
    readonly source: string,
    private readonly locate?: LocateLine,
  ) {}

  fail(path: PlanPath, expected: string, got: unknown, opts: { raw?: boolean; hint?: string } = {}): void {
    const problem: PlanProblem = {
      source: this.source,
      path: formatPath(path),
      expected,
      got: opts.raw === true ? String(got) : describeValue(got),
    };
    const line = this.locate?.(path);
    if (line !== undefined) problem.line = line;
    if (opts.hint !== undefined) problem.hint = opts.hint;
    this.problems.push(problem);
  }

  /** Reports keys that are not in `known` (typos must not pass silently). */
  knownKeys(obj: Mapping, path: PlanPath, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const close = closest(key, known);
      this.fail([...path, key], `one of the keys ${known.join(', ')}`, `unknown key ${JSON.stringify(key)}`, {
        raw: true,
        ...(close !== undefined ? { hint: `did you mean ${JSON.stringify(close)}?` } : {}),
      });
    }
  }

  /** The duration at `key` in ms, the fallback when absent, null when invalid (already reported). */
  duration(obj: Mapping, key: string, fallback: number): number | null {
    const v = obj[key];
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === null) this.fail([key], 'a duration such as "250ms", "4s", "60m", "1h" or a number of seconds', v);
    return ms;
  }

  stringList(v: unknown, path: PlanPath, what: string): string[] | null {
    if (!Array.isArray(v)) {
      this.fail(path, what, v);
      return null;
    }
    const out: string[] = [];
    let ok = true;
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else if (typeof item === 'number' && Number.isFinite(item)) out.push(String(item));
      else {
        this.fail([...path, i], 'a string', item);
        ok = false;
      }
    });
    return ok ? out : null;
  }
}

function defaultName(source: string): string {
  if (source === 'api') return 'api';
  const base = basename(source, extname(source));
  return base === '' ? source : base;
}

function isLibraryPath(s: string): boolean {
  return s.startsWith('/') && /\.so(\.[0-9]+)*$/.test(s);
}

/**
 * One entry of the plan's `variants` list after validation: the variant when all of it is valid, and
 * each field that is valid on its own, so that the checks that need the system (allocator libraries,
 * commands, random_mixed's arguments) run in the same pass as the rest, on what can be checked.
 */
export interface VariantDraft {
  /** Position in the plan's `variants` list. */
  index: number;
  /** The whole variant, or null when any of its fields is invalid. */
  variant: PlanVariant | null;
  name: string | null;
  /** A valid allocator (named or a library path); null when absent or invalid. */
  allocator: string | null;
  /** A valid command; null when absent or invalid. */
  command: string[] | null;
  /** Valid random_mixed arguments (the variant runs random_mixed); null when it runs a command or they are invalid. */
  args: string[] | null;
  /** The environment entries that are valid. */
  env: Record<string, string>;
  /** null when `optional` is not a boolean. */
  optional: boolean | null;
}

function checkEnv(c: Checker, rawEnv: unknown, path: PlanPath): { env: Record<string, string>; ok: boolean } {
  const env: Record<string, string> = {};
  if (rawEnv === undefined) return { env, ok: true };
  if (!isMapping(rawEnv)) {
    c.fail([...path, 'env'], 'a mapping of environment variable names to values', rawEnv);
    return { env, ok: false };
  }
  let ok = true;
  for (const [k, v] of Object.entries(rawEnv)) {
    const at = [...path, 'env', k];
    if (!ENV_NAME_RE.test(k)) {
      c.fail(at, 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)', k);
      ok = false;
    } else if (k === 'LD_PRELOAD') {
      c.fail(at, 'no LD_PRELOAD (the allocator field sets the preload)', v);
      ok = false;
    } else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
      const value = String(v);
      // leanmalloc warns about a bad knob and runs another configuration: refuse it here instead.
      const knob = k.startsWith(LEANMALLOC_KNOB_PREFIX) ? leanmallocKnobProblem(k, value) : null;
      if (knob !== null) {
        const unknownName = knob.what === 'name';
        c.fail(at, knob.expected, unknownName ? `unknown name ${JSON.stringify(k)}` : value, {
          raw: unknownName,
          ...(knob.hint !== undefined ? { hint: knob.hint } : {}),
        });
        ok = false;
      } else env[k] = value;
    } else {
      c.fail(at, 'a string, number or boolean', v);
      ok = false;
    }
  }
  return { env, ok };
}

function checkVariant(c: Checker, raw: unknown, i: number): VariantDraft {
  const path = ['variants', i];
  const draft: VariantDraft = { index: i, variant: null, name: null, allocator: null, command: null, args: null, env: {}, optional: false };
  if (!isMapping(raw)) {
    c.fail(path, 'a mapping with name and allocator or command', raw);
    return draft;
  }
  c.knownKeys(raw, path, VARIANT_KEYS);
  let ok = true;

  const name = raw['name'];
  if (typeof name !== 'string' || !VARIANT_NAME_RE.test(name)) {
    c.fail([...path, 'name'], 'a name made of letters, digits, "_", "." or "-"', name);
    ok = false;
  } else draft.name = name;

  let allocator: string | null = null;
  const rawAllocator = raw['allocator'];
  if (rawAllocator !== undefined) {
    if (typeof rawAllocator === 'string' && (NAMED_ALLOCATORS.includes(rawAllocator) || isLibraryPath(rawAllocator))) {
      allocator = rawAllocator;
    } else {
      c.fail([...path, 'allocator'], ALLOCATOR_EXPECTED, rawAllocator);
      ok = false;
    }
  }
  draft.allocator = allocator;

  let command: string[] | null = null;
  const rawCommand = raw['command'];
  if (rawCommand !== undefined) {
    const list = c.stringList(rawCommand, [...path, 'command'], 'a non-empty list: the program, then its arguments');
    command = list;
    if (list !== null && (list.length === 0 || list[0] === '')) {
      c.fail([...path, 'command'], 'a non-empty list: the program, then its arguments', rawCommand);
      command = null;
    }
    if (command === null) ok = false;
  }
  draft.command = command;

  if (rawAllocator === undefined && rawCommand === undefined) {
    c.fail(path, 'an allocator or a command', 'neither', { raw: true });
    ok = false;
  }

  let args: string[] = [];
  let argsOk = true;
  const rawArgs = raw['args'];
  if (rawArgs !== undefined) {
    if (rawCommand !== undefined) {
      c.fail([...path, 'args'], 'no args with command (put the arguments in command)', rawArgs);
      argsOk = false;
    } else {
      const list = c.stringList(rawArgs, [...path, 'args'], 'a list of random_mixed arguments');
      if (list === null) argsOk = false;
      else args = list;
    }
  }
  if (!argsOk) ok = false;
  // random_mixed runs when there is no command; its arguments are checked by random_mixed itself later.
  if (rawCommand === undefined && argsOk) draft.args = args;

  const env = checkEnv(c, raw['env'], path);
  if (!env.ok) ok = false;
  draft.env = env.env;

  let optional: boolean | null = false;
  const rawOptional = raw['optional'];
  if (rawOptional !== undefined) {
    if (typeof rawOptional === 'boolean') optional = rawOptional;
    else {
      c.fail([...path, 'optional'], 'true or false', rawOptional);
      ok = false;
      optional = null;
    }
  }
  draft.optional = optional;

  const build = raw['build'];
  if (build !== undefined && !(typeof build === 'string' && build.length >= 1 && build.length <= BUILD_LABEL_MAX)) {
    const long = typeof build === 'string' && build.length > BUILD_LABEL_MAX;
    c.fail(
      [...path, 'build'],
      `a build label: a string of 1 to ${BUILD_LABEL_MAX} characters`,
      long ? `a string of ${build.length} characters` : build,
      {
        raw: long,
      },
    );
    ok = false;
  }

  if (ok && typeof name === 'string' && optional !== null)
    draft.variant = { name, allocator, env: env.env, args, command, optional, ...(typeof build === 'string' ? { build } : {}) };
  return draft;
}

function checkComparison(
  c: Checker,
  raw: unknown,
  i: number,
  variantNames: ReadonlySet<string> | null,
  seen: Map<string, number>,
): PlanComparison | null {
  const path = ['comparisons', i];
  if (!isMapping(raw)) {
    c.fail(path, 'a mapping with baseline, candidate and goal', raw);
    return null;
  }
  c.knownKeys(raw, path, COMPARISON_KEYS);
  let ok = true;
  const side = (key: 'baseline' | 'candidate'): string | null => {
    const v = raw[key];
    // Without a valid variants list every name would be "unknown": that error is already reported.
    if (variantNames === null) return typeof v === 'string' ? v : null;
    if (typeof v !== 'string' || !variantNames.has(v)) {
      c.fail([...path, key], `the name of a variant (${[...variantNames].join(', ')})`, v);
      ok = false;
      return null;
    }
    return v;
  };
  const baseline = side('baseline');
  const candidate = side('candidate');
  if (baseline !== null && candidate !== null && baseline === candidate) {
    c.fail([...path, 'candidate'], `a variant other than the baseline ${JSON.stringify(baseline)}`, candidate);
    ok = false;
  } else if (baseline !== null && candidate !== null) {
    // One verdict per pair and goal: a repeat would give two answers to one question (a pair may be judged
    // once for speed and once for memory).
    const pair = JSON.stringify([baseline, candidate, raw['goal'] ?? null]);
    const first = seen.get(pair);
    const goalText = typeof raw['goal'] === 'string' ? ` for ${raw['goal']}` : '';
    const compared = `${baseline} → ${candidate}${goalText}`;
    if (first !== undefined) {
      c.fail(path, `a comparison not made before (comparisons[${first}] already compares ${compared})`, compared, { raw: true });
      ok = false;
    } else seen.set(pair, i);
  }
  const goal = raw['goal'];
  if (typeof goal !== 'string' || !(COMPARISON_GOALS as readonly string[]).includes(goal)) {
    c.fail([...path, 'goal'], COMPARISON_GOALS.join(' or '), goal);
    ok = false;
  }
  const criteria: Record<string, number> = {};
  const rawCriteria = raw['criteria'];
  if (rawCriteria !== undefined) {
    if (!isMapping(rawCriteria)) {
      c.fail([...path, 'criteria'], 'a mapping of criterion names to numbers', rawCriteria);
      ok = false;
    } else {
      let criteriaOk = true;
      for (const [k, v] of Object.entries(rawCriteria)) {
        if (!CRITERION_NAME_RE.test(k)) {
          c.fail([...path, 'criteria', k], 'a criterion name made of letters, digits and "_"', k);
          criteriaOk = false;
        } else if (typeof v !== 'number' || !Number.isFinite(v)) {
          c.fail([...path, 'criteria', k], 'a number', v);
          criteriaOk = false;
        } else criteria[k] = v;
      }
      // Names, goals and ranges of criteria belong to the judgement module (an invalid goal is reported
      // above; the judgement then checks names and ranges without it).
      if (criteriaOk) {
        for (const problem of criteriaProblems(goal, criteria)) {
          c.fail(problem.key === null ? [...path, 'criteria'] : [...path, 'criteria', problem.key], problem.expected, problem.got);
          criteriaOk = false;
        }
      }
      if (!criteriaOk) ok = false;
    }
  }
  if (!ok || baseline === null || candidate === null) return null;
  return { baseline, candidate, goal: goal as ComparisonGoal, criteria };
}

/** What validation found: the plan (null when anything is wrong), every problem, and each variant's draft. */
export interface PlanInspection {
  plan: Plan | null;
  problems: PlanProblem[];
  variants: VariantDraft[];
}

/**
 * Validates a plan given as a plain object without throwing: every problem, each reported once and
 * without follow-on errors (a field that is invalid is not also compared with other fields).
 */
export function inspectPlan(raw: unknown, source = 'api', locate?: LocateLine): PlanInspection {
  const c = new Checker(source, locate);
  if (!isMapping(raw)) {
    c.fail([], 'a mapping with at least a "variants" list', raw);
    return { plan: null, problems: c.problems, variants: [] };
  }
  c.knownKeys(raw, [], TOP_LEVEL_KEYS);

  let name = defaultName(source);
  if (raw['name'] !== undefined) {
    const n = raw['name'];
    if (typeof n === 'string' && n.trim() !== '' && n.length <= 200) name = n;
    else c.fail(['name'], 'a non-empty string of at most 200 characters', n);
  }

  const epoch_ms = c.duration(raw, 'epoch', PLAN_DEFAULTS.epoch_ms);
  const warmup_ms = c.duration(raw, 'warmup', PLAN_DEFAULTS.warmup_ms);
  const interval_ms = c.duration(raw, 'interval', PLAN_DEFAULTS.interval_ms);
  const given = (key: string, ms: number): string => `${formatDuration(ms)}${raw[key] === undefined ? ' (the default)' : ''}`;
  // Relations between durations are checked only between valid ones: an invalid warmup is one error, not two.
  const epochOk = epoch_ms !== null && epoch_ms > 0;
  if (epoch_ms !== null && epoch_ms <= 0) c.fail(['epoch'], 'a duration above 0', raw['epoch']);
  if (epochOk && warmup_ms !== null && warmup_ms >= epoch_ms) {
    c.fail(['warmup'], `a duration shorter than the epoch (${given('epoch', epoch_ms)})`, given('warmup', warmup_ms), { raw: true });
  }
  if (interval_ms !== null && interval_ms < MIN_INTERVAL_MS)
    c.fail(['interval'], `a duration of at least ${MIN_INTERVAL_MS}ms`, given('interval', interval_ms), { raw: true });
  else if (epochOk && interval_ms !== null && interval_ms > epoch_ms) {
    c.fail(['interval'], `a duration no longer than the epoch (${given('epoch', epoch_ms)})`, given('interval', interval_ms), {
      raw: true,
    });
  }

  let schedule: string | null = null;
  const rawSchedule = raw['schedule'];
  if (rawSchedule !== undefined && rawSchedule !== null) {
    if (typeof rawSchedule === 'string' && (rawSchedule === ADAPTIVE_SCHEDULE || validateCron(rawSchedule))) schedule = rawSchedule;
    else c.fail(['schedule'], `${JSON.stringify(ADAPTIVE_SCHEDULE)} or a cron expression such as "0 22 * * *"`, rawSchedule);
  }

  let mode: PlanMode = 'sequential';
  const rawMode = raw['mode'];
  if (rawMode !== undefined && rawMode !== null) {
    if (typeof rawMode === 'string' && (PLAN_MODES as readonly string[]).includes(rawMode)) mode = rawMode as PlanMode;
    else c.fail(['mode'], PLAN_MODES.join(' or '), rawMode);
  }

  let rss_limit_bytes: number | null = null;
  const rawLimit = raw['rss_limit'];
  if (rawLimit !== undefined && rawLimit !== null) {
    const bytes = parseSize(rawLimit);
    if (bytes === null || bytes <= 0)
      c.fail(['rss_limit'], 'a size above 0 such as "4GiB", "512MiB", "100MB" or a number of bytes', rawLimit);
    else rss_limit_bytes = bytes;
  }

  const drafts: VariantDraft[] = [];
  const allNames = new Map<string, number>();
  const rawVariants = raw['variants'];
  const variantsOk = Array.isArray(rawVariants) && rawVariants.length > 0;
  if (!Array.isArray(rawVariants) || rawVariants.length === 0) {
    c.fail(['variants'], 'a non-empty list of variants', rawVariants);
  } else {
    rawVariants.forEach((rv, i) => {
      // Names are collected even from otherwise-broken variants so comparisons do not cascade into false errors.
      if (isMapping(rv) && typeof rv['name'] === 'string') {
        const first = allNames.get(rv['name']);
        if (first !== undefined) {
          c.fail(
            ['variants', i, 'name'],
            `a name not used by another variant (variants[${first}] is ${JSON.stringify(rv['name'])})`,
            rv['name'],
          );
        } else allNames.set(rv['name'], i);
      }
      drafts.push(checkVariant(c, rv, i));
    });
  }
  const variantNames = variantsOk ? new Set(allNames.keys()) : null;

  const comparisons: PlanComparison[] = [];
  const rawComparisons = raw['comparisons'];
  if (rawComparisons !== undefined && rawComparisons !== null) {
    if (!Array.isArray(rawComparisons)) c.fail(['comparisons'], 'a list of comparisons', rawComparisons);
    else {
      const seen = new Map<string, number>();
      rawComparisons.forEach((rc, i) => {
        const cmp = checkComparison(c, rc, i, variantNames, seen);
        if (cmp !== null) comparisons.push(cmp);
      });
    }
  }

  // A duet round runs one comparison's two arms, and the adaptive schedule gives rounds to open comparisons:
  // either needs comparisons, and a duet runs no variant outside them.
  const noComparisons =
    rawComparisons === undefined || rawComparisons === null || (Array.isArray(rawComparisons) && rawComparisons.length === 0);
  if ((mode === 'duet' || schedule === ADAPTIVE_SCHEDULE) && noComparisons) {
    const what = mode === 'duet' ? 'a duet runs the two arms of a comparison at once' : 'the adaptive schedule gives rounds to comparisons';
    c.fail(['comparisons'], `at least one comparison (${what})`, rawComparisons);
  }
  if (mode === 'duet' && comparisons.length > 0 && variantNames !== null) {
    const inComparisons = new Set(comparisons.flatMap((cmp) => [cmp.baseline, cmp.candidate]));
    drafts.forEach((d, i) => {
      const name = d.variant?.name;
      if (name !== undefined && !inComparisons.has(name)) {
        c.fail(['variants', i, 'name'], 'a variant of some comparison (a duet runs only the arms of its comparisons)', name);
      }
    });
  }

  let reference: string | null = null;
  const rawReference = raw['reference'];
  if (rawReference !== undefined && rawReference !== null) {
    if (typeof rawReference === 'string' && (variantNames === null || variantNames.has(rawReference))) reference = rawReference;
    else c.fail(['reference'], `the name of a variant (${[...(variantNames ?? [])].join(', ')})`, rawReference);
  }

  const variants = drafts.map((d) => d.variant);
  if (c.problems.length > 0 || epoch_ms === null || warmup_ms === null || interval_ms === null || variants.includes(null)) {
    return { plan: null, problems: c.problems, variants: drafts };
  }
  return {
    plan: {
      name,
      mode,
      epoch_ms,
      warmup_ms,
      interval_ms,
      schedule,
      rss_limit_bytes,
      variants: variants as PlanVariant[],
      comparisons,
      reference,
    },
    problems: [],
    variants: drafts,
  };
}

/**
 * Validates and normalises a plan given as a plain object. Only what the plan says is checked here;
 * `preparePlan` (prepare.ts) adds the checks that need the system: libraries, commands, random_mixed's
 * arguments.
 * @param source the file name for messages, or "api" for a REST body
 * @param locate optional line lookup (see `parsePlanText`)
 * @throws PlanError listing every problem
 */
export function validatePlan(raw: unknown, source = 'api', locate?: LocateLine): Plan {
  const { plan, problems } = inspectPlan(raw, source, locate);
  if (plan === null) throw new PlanError(problems);
  return plan;
}
