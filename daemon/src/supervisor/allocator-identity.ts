/**
 * Which allocator an epoch really ran, and whether it is the one the plan asks for.
 *
 * A preload can silently measure something else: a library that is not an allocator (ld.so loads it,
 * malloc stays glibc's), a statically linked program (LD_PRELOAD ignored), an LD_PRELOAD inherited by a
 * glibc variant, a leanmalloc profile or knob that the workload's environment changed or that leanmalloc
 * refused (it warns on stderr and runs with the profile's value). The workload's start line says what
 * serves malloc (random_mixed's allocator probe: `allocator`, `malloc_lib`, `allocator_version`,
 * `allocator_profile`, `allocator_knobs`); for a workload that says nothing, the daemon looks for the
 * preloaded library in /proc/PID/maps and in its dynamic symbols for a `malloc`. A mismatch is a reason
 * naming both: "plan asks mimalloc, the workload runs glibc's malloc (/lib/x86_64-linux-gnu/libc.so.6)".
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { definedSymbols, type DefinedSymbols } from './elf-symbols.js';
import { mappedFiles } from './proc-maps.js';

export interface AllocatorIdentity {
  /** leanmalloc, glibc, mimalloc, jemalloc, tcmalloc or unknown. */
  allocator: string;
  /** The file of the object that provides malloc, when known. */
  library: string | null;
  /** The allocator's version as its own API gives it. */
  version: string | null;
  /** leanmalloc's effective profile (speed, balanced, lean, custom). */
  profile: string | null;
  /** leanmalloc's effective knobs: variable → value, as the variable would be written. */
  knobs: Readonly<Record<string, string>> | null;
  /** Where it was learnt: the workload's start line, or the daemon's reading of /proc/PID/maps. */
  source: 'start line' | 'maps';
}

export interface AllocatorExpectation {
  /** The plan's allocator: a name (leanmalloc, glibc, mimalloc, jemalloc, tcmalloc) or a library's absolute path. */
  allocator: string;
  /** The library preloaded for it; null for glibc. */
  library: string | null;
  /** The variant's environment: its LEANMALLOC_* variables are what leanmalloc must run with. */
  env: Readonly<Record<string, string>>;
}

export type AllocatorCheck =
  | { done: true; identity: AllocatorIdentity | null; mismatch: string | null }
  /** The check needs the workload's pid (to read its maps), not known yet. */
  | { done: false };

/** How the check reads the system (tests replace it). */
export interface IdentityProbe {
  mappedFiles(pid: number): string[] | null;
  definedSymbols(path: string): DefinedSymbols;
  sameFile(a: string, b: string): boolean;
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const x = statSync(a, { bigint: true });
    const y = statSync(b, { bigint: true });
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export const SYSTEM_PROBE: IdentityProbe = { mappedFiles, definedSymbols, sameFile };

/** leanmalloc's profile when LEANMALLOC_PROFILE is unset or empty (native/src/allocator/options.c). */
export const LEANMALLOC_DEFAULT_PROFILE = 'speed';
const LEANMALLOC_PREFIX = 'LEANMALLOC_';
const PROFILE_VARIABLE = 'LEANMALLOC_PROFILE';

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The allocator fields of a start line; null when it names no allocator. */
export function reportedIdentity(start: Readonly<Record<string, unknown>>): AllocatorIdentity | null {
  const allocator = text(start['allocator']);
  if (allocator === null) return null;
  const rawKnobs = start['allocator_knobs'];
  let knobs: Record<string, string> | null = null;
  if (typeof rawKnobs === 'object' && rawKnobs !== null && !Array.isArray(rawKnobs)) {
    knobs = {};
    for (const [k, v] of Object.entries(rawKnobs)) if (typeof v === 'string') knobs[k] = v;
  }
  return {
    allocator,
    library: text(start['malloc_lib']),
    version: text(start['allocator_version']),
    profile: text(start['allocator_profile']),
    knobs,
    source: 'start line',
  };
}

/** The allocator a library is, by what it defines (as the workload's allocator probe tells them apart). */
export function classifyLibrary(symbols: ReadonlySet<string>): string {
  if (symbols.has('leanmalloc_get_stats')) return 'leanmalloc';
  if (symbols.has('mi_malloc')) return 'mimalloc';
  if (symbols.has('mallctl')) return 'jemalloc';
  if (symbols.has('tc_malloc') || symbols.has('MallocExtension_GetNumericProperty')) return 'tcmalloc';
  if (symbols.has('gnu_get_libc_version')) return 'glibc';
  return 'unknown';
}

/** "glibc's malloc (/lib/…/libc.so.6)", "mimalloc (/usr/lib/…)", "the malloc of /x.so, an allocator allocsoak does not name". */
export function describeIdentity(id: Pick<AllocatorIdentity, 'allocator' | 'library'>): string {
  const lib = id.library === null ? '' : ` (${id.library})`;
  if (id.allocator === 'glibc') return `glibc's malloc${lib}`;
  if (id.allocator === 'unknown') return id.library === null ? 'an allocator it does not name' : `the malloc of ${id.library}`;
  return `${id.allocator}${lib}`;
}

const isNamed = (allocator: string): boolean => !allocator.includes('/');

/** Knob values compared as leanmalloc reads them: words case-insensitively, numbers by value ("007" is 7). */
function sameValue(a: string, b: string): boolean {
  const norm = (v: string): string => (/^[0-9]+$/.test(v) ? String(Number(v)) : v.toLowerCase());
  return norm(a) === norm(b);
}

/** leanmalloc running with what the variant's env asks: its base profile (speed when unset) and every knob it sets. */
export function leanmallocMismatch(env: Readonly<Record<string, string>>, id: AllocatorIdentity): string | null {
  const asked = Object.entries(env).filter(([k, v]) => k.startsWith(LEANMALLOC_PREFIX) && v !== '');
  const profileAsked = asked.find(([k]) => k === PROFILE_VARIABLE)?.[1] ?? LEANMALLOC_DEFAULT_PROFILE;
  const overrides = asked.filter(([k]) => k !== PROFILE_VARIABLE);
  const knobs = id.knobs;
  if (knobs !== null) {
    const base = knobs[PROFILE_VARIABLE];
    if (base !== undefined && !sameValue(base, profileAsked))
      return `plan asks leanmalloc profile ${profileAsked}, the workload runs leanmalloc profile ${base}`;
    for (const [name, value] of overrides) {
      const runs = knobs[name];
      if (runs === undefined)
        return `plan sets ${name}=${value}, which the workload's leanmalloc does not read (it reads ${Object.keys(knobs).join(', ')})`;
      if (!sameValue(runs, value)) return `plan asks ${name}=${value}, the workload runs leanmalloc with ${name}=${runs}`;
    }
  }
  // With no knob of its own, the variant runs the profile as it stands: "custom" means something else
  // (e.g. the daemon's environment) changed a knob.
  if (overrides.length === 0 && id.profile !== null && !sameValue(id.profile, profileAsked)) {
    const listed =
      knobs === null
        ? ''
        : ` (${Object.entries(knobs)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`;
    return `plan asks leanmalloc profile ${profileAsked}, the workload runs leanmalloc profile ${id.profile}${listed}`;
  }
  return null;
}

/** The preloaded library in the workload's maps, and whether it defines malloc: for workloads that report nothing. */
function checkMaps(expect: AllocatorExpectation & { library: string }, pid: number, probe: IdentityProbe): AllocatorCheck {
  const files = probe.mappedFiles(pid);
  if (files === null) return { done: true, identity: null, mismatch: null }; // gone already: nothing to read
  const mapped = files.find((f) => probe.sameFile(f, expect.library));
  if (mapped === undefined) {
    return {
      done: true,
      identity: null,
      mismatch: `plan asks ${expect.allocator}, the workload runs without it (${expect.library} is not in /proc/${pid}/maps; a statically linked program ignores LD_PRELOAD)`,
    };
  }
  const symbols = probe.definedSymbols(mapped);
  if (!symbols.ok) return { done: true, identity: unknownAt(mapped), mismatch: null }; // unreadable: cannot tell
  if (!symbols.symbols.has('malloc')) {
    const libc = files.find((f) => /^libc(\.so|-)/.test(basename(f))) ?? null;
    const runs = { allocator: libc === null ? 'unknown' : 'glibc', library: libc };
    return {
      done: true,
      identity: { ...unknownAt(libc), allocator: runs.allocator },
      mismatch: `plan asks ${expect.allocator}, the workload runs ${libc === null ? 'another malloc' : describeIdentity(runs)}: ${mapped} is loaded but does not define malloc`,
    };
  }
  const identity: AllocatorIdentity = { ...unknownAt(mapped), allocator: classifyLibrary(symbols.symbols) };
  const mismatch =
    isNamed(expect.allocator) && identity.allocator !== expect.allocator
      ? `plan asks ${expect.allocator}, the workload runs ${describeIdentity(identity)}`
      : null;
  return { done: true, identity, mismatch };
}

function unknownAt(library: string | null): AllocatorIdentity {
  return { allocator: 'unknown', library, version: null, profile: null, knobs: null, source: 'maps' };
}

/**
 * The epoch's allocator from its start line (or, for a workload that does not say, from its maps), and
 * the reason it is not the plan's; `expect` null: recorded, not checked.
 */
export function checkAllocator(
  expect: AllocatorExpectation | null,
  start: Readonly<Record<string, unknown>>,
  pid: number | null,
  probe: IdentityProbe = SYSTEM_PROBE,
): AllocatorCheck {
  const reported = reportedIdentity(start);
  if (expect === null) return { done: true, identity: reported, mismatch: null };
  const named = isNamed(expect.allocator);
  const wanted = expect.library ?? (named ? null : expect.allocator);
  if (reported === null || (!named && reported.library === null)) {
    // Nothing to go on but the process itself; without a preload (glibc) there is nothing to look for.
    if (wanted === null) return { done: true, identity: reported, mismatch: null };
    if (pid === null) return { done: false };
    return checkMaps({ ...expect, library: wanted }, pid, probe);
  }
  const same = named ? reported.allocator === expect.allocator : probe.sameFile(reported.library as string, wanted as string);
  if (!same)
    return { done: true, identity: reported, mismatch: `plan asks ${expect.allocator}, the workload runs ${describeIdentity(reported)}` };
  return {
    done: true,
    identity: reported,
    mismatch: reported.allocator === 'leanmalloc' ? leanmallocMismatch(expect.env, reported) : null,
  };
}
