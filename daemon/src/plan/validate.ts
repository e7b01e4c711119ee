/**
 * Plan validation: a plain object (parsed YAML, or a REST body) → a normalised `Plan`, or a `PlanError`
 * listing every problem found (not just the first), each naming the source, the field path and what was expected.
 */
import { validate as validateCron } from 'node-cron';
import { basename, extname } from 'node:path';
import { criteriaProblems } from '../judgement/index.js';
import { describeValue, PlanError, type PlanProblem } from './errors.js';
import {
  COMPARISON_GOALS,
  NAMED_ALLOCATORS,
  PLAN_DEFAULTS,
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
  'epoch',
  'warmup',
  'interval',
  'schedule',
  'rss_limit',
  'variants',
  'comparisons',
  'reference',
] as const;
export const VARIANT_KEYS = ['name', 'allocator', 'env', 'args', 'command', 'optional'] as const;
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

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length] as number[])[b.length] as number;
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
      const close = known.find((k) => editDistance(k, key) <= 2);
      this.fail([...path, key], `one of the keys ${known.join(', ')}`, `unknown key ${JSON.stringify(key)}`, {
        raw: true,
        ...(close !== undefined ? { hint: `did you mean ${JSON.stringify(close)}?` } : {}),
      });
    }
  }

  duration(obj: Mapping, key: string, fallback: number): number {
    const v = obj[key];
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === null) {
      this.fail([key], 'a duration such as "250ms", "4s", "60m", "1h" or a number of seconds', v);
      return fallback;
    }
    return ms;
  }

  stringList(v: unknown, path: PlanPath, what: string): string[] | null {
    if (!Array.isArray(v)) {
      this.fail(path, what, v);
      return null;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else if (typeof item === 'number' && Number.isFinite(item)) out.push(String(item));
      else this.fail([...path, i], 'a string', item);
    });
    return out;
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

function checkVariant(c: Checker, raw: unknown, i: number): PlanVariant | null {
  const path = ['variants', i];
  if (!isMapping(raw)) {
    c.fail(path, 'a mapping with name and allocator or command', raw);
    return null;
  }
  c.knownKeys(raw, path, VARIANT_KEYS);
  let ok = true;

  const name = raw['name'];
  if (typeof name !== 'string' || !VARIANT_NAME_RE.test(name)) {
    c.fail([...path, 'name'], 'a name made of letters, digits, "_", "." or "-"', name);
    ok = false;
  }

  let allocator: string | null = null;
  const rawAllocator = raw['allocator'];
  if (rawAllocator !== undefined) {
    if (
      typeof rawAllocator === 'string' &&
      ((NAMED_ALLOCATORS as readonly string[]).includes(rawAllocator) || isLibraryPath(rawAllocator))
    ) {
      allocator = rawAllocator;
    } else {
      c.fail([...path, 'allocator'], ALLOCATOR_EXPECTED, rawAllocator);
      ok = false;
    }
  }

  let command: string[] | null = null;
  const rawCommand = raw['command'];
  if (rawCommand !== undefined) {
    command = c.stringList(rawCommand, [...path, 'command'], 'a non-empty list: the program, then its arguments');
    if (command !== null && (command.length === 0 || command[0] === '')) {
      c.fail([...path, 'command'], 'a non-empty list: the program, then its arguments', rawCommand);
      command = null;
    }
    if (command === null) ok = false;
  }

  if (rawAllocator === undefined && rawCommand === undefined) {
    c.fail(path, 'an allocator or a command', 'neither', { raw: true });
    ok = false;
  }

  let args: string[] = [];
  const rawArgs = raw['args'];
  if (rawArgs !== undefined) {
    if (rawCommand !== undefined) {
      c.fail([...path, 'args'], 'no args with command (put the arguments in command)', rawArgs);
      ok = false;
    } else {
      const list = c.stringList(rawArgs, [...path, 'args'], 'a list of random_mixed arguments');
      if (list === null) ok = false;
      else args = list;
    }
  }

  const env: Record<string, string> = {};
  const rawEnv = raw['env'];
  if (rawEnv !== undefined) {
    if (!isMapping(rawEnv)) {
      c.fail([...path, 'env'], 'a mapping of environment variable names to values', rawEnv);
      ok = false;
    } else {
      for (const [k, v] of Object.entries(rawEnv)) {
        if (!ENV_NAME_RE.test(k)) {
          c.fail([...path, 'env', k], 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)', k);
          ok = false;
        } else if (k === 'LD_PRELOAD') {
          c.fail([...path, 'env', k], 'no LD_PRELOAD (the allocator field sets the preload)', v);
          ok = false;
        } else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
          env[k] = String(v);
        } else {
          c.fail([...path, 'env', k], 'a string, number or boolean', v);
          ok = false;
        }
      }
    }
  }

  let optional = false;
  const rawOptional = raw['optional'];
  if (rawOptional !== undefined) {
    if (typeof rawOptional === 'boolean') optional = rawOptional;
    else {
      c.fail([...path, 'optional'], 'true or false', rawOptional);
      ok = false;
    }
  }

  if (!ok || typeof name !== 'string') return null;
  return { name, allocator, env, args, command, optional };
}

function checkComparison(c: Checker, raw: unknown, i: number, variantNames: ReadonlySet<string>): PlanComparison | null {
  const path = ['comparisons', i];
  if (!isMapping(raw)) {
    c.fail(path, 'a mapping with baseline, candidate and goal', raw);
    return null;
  }
  c.knownKeys(raw, path, COMPARISON_KEYS);
  let ok = true;
  const names = [...variantNames].join(', ');
  const side = (key: 'baseline' | 'candidate'): string | null => {
    const v = raw[key];
    if (typeof v !== 'string' || !variantNames.has(v)) {
      c.fail([...path, key], `the name of a variant (${names})`, v);
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
      for (const [k, v] of Object.entries(rawCriteria)) {
        if (!CRITERION_NAME_RE.test(k)) {
          c.fail([...path, 'criteria', k], 'a criterion name made of letters, digits and "_"', k);
          ok = false;
        } else if (typeof v !== 'number' || !Number.isFinite(v)) {
          c.fail([...path, 'criteria', k], 'a number', v);
          ok = false;
        } else criteria[k] = v;
      }
      // Names, goals and ranges of criteria belong to the judgement module.
      if (ok) {
        for (const problem of criteriaProblems(goal, criteria)) {
          c.fail(problem.key === null ? [...path, 'criteria'] : [...path, 'criteria', problem.key], problem.expected, problem.got);
          ok = false;
        }
      }
    }
  }
  if (!ok || baseline === null || candidate === null) return null;
  return { baseline, candidate, goal: goal as ComparisonGoal, criteria };
}

/**
 * Validates and normalises a plan given as a plain object.
 * @param source the file name for messages, or "api" for a REST body
 * @param locate optional line lookup (see `parsePlanText`)
 * @throws PlanError listing every problem
 */
export function validatePlan(raw: unknown, source = 'api', locate?: LocateLine): Plan {
  const c = new Checker(source, locate);
  if (!isMapping(raw)) {
    c.fail([], 'a mapping with at least a "variants" list', raw);
    throw new PlanError(c.problems);
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
  if (epoch_ms <= 0) c.fail(['epoch'], 'a duration above 0', raw['epoch']);
  if (epoch_ms > 0 && warmup_ms >= epoch_ms) {
    c.fail(['warmup'], `a duration shorter than the epoch (${given('epoch', epoch_ms)})`, given('warmup', warmup_ms), { raw: true });
  }
  if (interval_ms < MIN_INTERVAL_MS)
    c.fail(['interval'], `a duration of at least ${MIN_INTERVAL_MS}ms`, given('interval', interval_ms), { raw: true });
  else if (epoch_ms > 0 && interval_ms > epoch_ms) {
    c.fail(['interval'], `a duration no longer than the epoch (${given('epoch', epoch_ms)})`, given('interval', interval_ms), {
      raw: true,
    });
  }

  let schedule: string | null = null;
  const rawSchedule = raw['schedule'];
  if (rawSchedule !== undefined && rawSchedule !== null) {
    if (typeof rawSchedule === 'string' && validateCron(rawSchedule)) schedule = rawSchedule;
    else c.fail(['schedule'], 'a cron expression such as "0 22 * * *"', rawSchedule);
  }

  let rss_limit_bytes: number | null = null;
  const rawLimit = raw['rss_limit'];
  if (rawLimit !== undefined && rawLimit !== null) {
    const bytes = parseSize(rawLimit);
    if (bytes === null || bytes <= 0)
      c.fail(['rss_limit'], 'a size above 0 such as "4GiB", "512MiB", "100MB" or a number of bytes', rawLimit);
    else rss_limit_bytes = bytes;
  }

  const variants: PlanVariant[] = [];
  const allNames = new Map<string, number>();
  const rawVariants = raw['variants'];
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
      const v = checkVariant(c, rv, i);
      if (v !== null) variants.push(v);
    });
  }
  const variantNames = new Set(allNames.keys());

  const comparisons: PlanComparison[] = [];
  const rawComparisons = raw['comparisons'];
  if (rawComparisons !== undefined && rawComparisons !== null) {
    if (!Array.isArray(rawComparisons)) c.fail(['comparisons'], 'a list of comparisons', rawComparisons);
    else {
      rawComparisons.forEach((rc, i) => {
        const cmp = checkComparison(c, rc, i, variantNames);
        if (cmp !== null) comparisons.push(cmp);
      });
    }
  }

  let reference: string | null = null;
  const rawReference = raw['reference'];
  if (rawReference !== undefined && rawReference !== null) {
    if (typeof rawReference === 'string' && variantNames.has(rawReference)) reference = rawReference;
    else c.fail(['reference'], `the name of a variant (${[...variantNames].join(', ')})`, rawReference);
  }

  if (c.problems.length > 0) throw new PlanError(c.problems);
  return { name, epoch_ms, warmup_ms, interval_ms, schedule, rss_limit_bytes, variants, comparisons, reference };
}
