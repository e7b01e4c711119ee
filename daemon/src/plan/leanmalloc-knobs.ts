/**
 * leanmalloc's environment knobs, as leanmalloc itself reads them (native/src/allocator/options.c):
 * the one table the daemon checks a plan's `env` against. leanmalloc never refuses a bad value — it
 * prints a warning on stderr and runs with the profile's value — so a typo in a plan would otherwise
 * measure another configuration than the variant's name says. daemon/test/plan/leanmalloc-knobs.test.ts
 * runs leanmalloc with values this table accepts and refuses and fails when the two disagree.
 */
import { closest, listOr } from './suggest.js';

export const LEANMALLOC_KNOB_PREFIX = 'LEANMALLOC_';

interface KnobCommon {
  name: string;
  meaning: string;
  /** Read only by a leanmalloc built with `make PERTURB=1` (a test build); the release build ignores it. */
  build?: 'perturb';
}

export type LeanmallocKnob =
  /** One of `values`, compared case-insensitively (as leanmalloc does). */
  | (KnobCommon & { kind: 'choice'; values: readonly string[] })
  /** Decimal digits only, from `min` to `max`, or one of `words` (case-insensitive). */
  | (KnobCommon & { kind: 'integer'; min: number; max: number; unit: string; words: readonly string[] });

export const LEANMALLOC_KNOBS: readonly LeanmallocKnob[] = [
  {
    name: 'LEANMALLOC_PROFILE',
    kind: 'choice',
    values: ['speed', 'balanced', 'lean'],
    meaning: 'picks the defaults of the other knobs',
  },
  { name: 'LEANMALLOC_LEAN', kind: 'choice', values: ['0', '1'], meaning: 'memory-lean mode: no prewarm of hot classes' },
  {
    name: 'LEANMALLOC_DECOMMIT',
    kind: 'choice',
    values: ['OFF', 'FREE', 'DONTNEED'],
    meaning: 'what happens to free slabs and cached empty superslabs after the purge delay',
  },
  {
    name: 'LEANMALLOC_TARGET_MB',
    kind: 'integer',
    min: 0,
    max: 2 ** 30,
    unit: 'MB',
    words: ['unlimited'],
    meaning: 'cap on idle cached superslabs',
  },
  {
    name: 'LEANMALLOC_PURGE_DELAY_MS',
    kind: 'integer',
    min: 0,
    max: 3_600_000,
    unit: 'milliseconds',
    words: [],
    meaning: 'how long memory stays unused before decommit/retire',
  },
  { name: 'LEANMALLOC_STATS', kind: 'choice', values: ['0', '1'], meaning: 'print the counters on stderr at exit' },
  {
    name: 'LEANMALLOC_PERTURB_US',
    kind: 'integer',
    min: 0,
    max: 100_000,
    unit: 'microseconds',
    words: [],
    meaning: 'sleeps at the hand-off points of superslabs, to make racy interleavings happen (docs/allocator.md)',
    build: 'perturb',
  },
];

export const LEANMALLOC_KNOB_NAMES: readonly string[] = LEANMALLOC_KNOBS.map((k) => k.name);

/** What a knob accepts, for messages: "speed, balanced or lean", "a whole number of MB from 0 to 1073741824 or unlimited". */
export function knobExpected(knob: LeanmallocKnob): string {
  if (knob.kind === 'choice') return listOr(knob.values);
  const range = `a whole number of ${knob.unit} from ${knob.min} to ${knob.max}`;
  return knob.words.length === 0 ? range : `${range} or ${listOr(knob.words)}`;
}

export interface KnobProblem {
  /** `name`: no such knob; `value`: the knob does not accept the value. */
  what: 'name' | 'value';
  expected: string;
  hint?: string;
}

function valueProblem(knob: LeanmallocKnob, value: string): KnobProblem | null {
  const lower = value.toLowerCase();
  if (knob.kind === 'choice') {
    if (knob.values.some((v) => v.toLowerCase() === lower)) return null;
    const near = closest(value, knob.values);
    return {
      what: 'value',
      expected: knobExpected(knob),
      ...(near !== undefined ? { hint: `did you mean ${JSON.stringify(near)}?` } : {}),
    };
  }
  if (knob.words.some((w) => w.toLowerCase() === lower)) return null;
  // Digits only, as leanmalloc parses them: no sign, no decimals, no spaces.
  if (/^[0-9]+$/.test(value)) {
    const n = Number(value);
    if (n >= knob.min && n <= knob.max) return null;
  }
  const near = knob.words.length > 0 && !/^[0-9]/.test(value) ? closest(value, knob.words) : undefined;
  return { what: 'value', expected: knobExpected(knob), ...(near !== undefined ? { hint: `did you mean ${JSON.stringify(near)}?` } : {}) };
}

/**
 * Checks one `LEANMALLOC_*` variable of a plan's env; null when leanmalloc accepts it. An empty value
 * is accepted: leanmalloc treats it as unset (the profile's value).
 */
export function leanmallocKnobProblem(name: string, value: string): KnobProblem | null {
  const knob = LEANMALLOC_KNOBS.find((k) => k.name === name);
  if (knob === undefined) {
    const near = closest(name, LEANMALLOC_KNOB_NAMES);
    return {
      what: 'name',
      expected: `a leanmalloc knob (${listOr(LEANMALLOC_KNOB_NAMES)})`,
      ...(near !== undefined ? { hint: `did you mean ${JSON.stringify(near)}?` } : {}),
    };
  }
  return value === '' ? null : valueProblem(knob, value);
}
