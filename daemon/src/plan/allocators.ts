/**
 * Allocator resolution: a plan's allocator names → the library to LD_PRELOAD (or none for glibc),
 * plus the paths of the native programs the daemon runs.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nativeBuildDir } from '../paths/index.js';
import { PlanError, type PlanProblem } from './errors.js';
import { SYSTEM_ALLOCATORS, type Plan, type PlanVariant } from './types.js';

const MULTIARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  ia32: 'i386-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

/** Where system allocator libraries are looked for, in order. */
export function defaultLibraryDirs(): string[] {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  const multiarch = MULTIARCH[process.arch];
  if (multiarch !== undefined && !dirs.includes(`/usr/lib/${multiarch}`)) dirs.unshift(`/usr/lib/${multiarch}`);
  return dirs;
}

export interface NativePaths {
  /** random_mixed, the default workload. */
  workload: string;
  /** soak-launch, the launcher that counts memory syscalls and execs the workload. */
  launcher: string;
  /** leanmalloc's shared library. */
  leanmalloc: string;
}

/** Paths of the native build outputs under `<package root>/native/build/`. */
export function nativePaths(root?: string): NativePaths {
  const build = nativeBuildDir(root);
  return {
    workload: join(build, 'random_mixed'),
    launcher: join(build, 'soak-launch'),
    leanmalloc: join(build, 'libleanmalloc.so'),
  };
}

export interface ResolveOptions {
  /** Package root for leanmalloc (default: this package). */
  root?: string;
  /** Directories searched for mimalloc/jemalloc/tcmalloc (default: `defaultLibraryDirs()`). */
  libraryDirs?: readonly string[];
}

export type AllocatorResolution = { ok: true; library: string | null } | { ok: false; expected: string; hint: string };

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Resolves one allocator (named or a path) to its library; `null` allocator or glibc → no preload. */
export function resolveAllocator(allocator: string | null, opts: ResolveOptions = {}): AllocatorResolution {
  if (allocator === null || allocator === 'glibc') return { ok: true, library: null };
  if (allocator === 'leanmalloc') {
    const lib = nativePaths(opts.root).leanmalloc;
    return isFile(lib)
      ? { ok: true, library: lib }
      : { ok: false, expected: `leanmalloc's library at ${lib}`, hint: 'build it with `make -C native` (or `npm run build`)' };
  }
  const system = SYSTEM_ALLOCATORS[allocator];
  if (system !== undefined) {
    const dirs = opts.libraryDirs ?? defaultLibraryDirs();
    for (const dir of dirs) {
      const candidate = join(dir, system.library);
      if (isFile(candidate)) return { ok: true, library: candidate };
    }
    return {
      ok: false,
      expected: `${system.library} in ${dirs.join(', ')}`,
      hint: `install the Debian package ${system.debianPackage} (apt-get install ${system.debianPackage})`,
    };
  }
  // A path: validated as absolute .so by the plan validator; here it must exist.
  return existsSync(allocator) && isFile(allocator)
    ? { ok: true, library: allocator }
    : { ok: false, expected: `an existing library file at ${allocator}`, hint: 'check the path' };
}

export interface ResolvedVariant extends PlanVariant {
  /** Library to LD_PRELOAD, null for glibc or a command without allocator. */
  library: string | null;
  /** Argument vector to run (before the launcher wraps it): random_mixed + args, or the custom command. */
  argv: string[];
}

export interface ResolvedPlan {
  plan: Plan;
  /** Variants that will run, in plan order. */
  variants: ResolvedVariant[];
  /** Names of optional variants skipped because their library is missing. */
  skipped: string[];
  /** Human-readable warnings, one per skipped variant or dropped comparison/reference. */
  warnings: string[];
}

/**
 * Resolves every variant's allocator. Missing libraries of optional variants skip them (with a warning,
 * and comparisons or a reference that name them are dropped); any other missing library is a PlanError.
 * The returned `plan` has skipped variants, their comparisons and reference removed.
 */
export function resolvePlan(plan: Plan, source: string, opts: ResolveOptions = {}): ResolvedPlan {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const skipped: string[] = [];
  const variants: ResolvedVariant[] = [];
  const workload = nativePaths(opts.root).workload;
  plan.variants.forEach((v, i) => {
    const r = resolveAllocator(v.allocator, opts);
    if (r.ok) {
      variants.push({ ...v, library: r.library, argv: v.command ?? [workload, ...v.args] });
    } else if (v.optional) {
      skipped.push(v.name);
      warnings.push(`variant ${JSON.stringify(v.name)} skipped: allocator ${v.allocator} needs ${r.expected}, not found; ${r.hint}`);
    } else {
      problems.push({
        source,
        path: `variants[${i}].allocator`,
        expected: r.expected,
        got: `nothing for variant ${JSON.stringify(v.name)}`,
        hint: `${r.hint}, or mark the variant optional: true`,
      });
    }
  });
  if (problems.length > 0) throw new PlanError(problems);
  const kept = new Set(variants.map((v) => v.name));
  const comparisons = plan.comparisons.filter((c) => {
    if (kept.has(c.baseline) && kept.has(c.candidate)) return true;
    warnings.push(`comparison ${c.baseline} → ${c.candidate} dropped: a skipped variant is part of it`);
    return false;
  });
  let reference = plan.reference;
  if (reference !== null && !kept.has(reference)) {
    warnings.push(`reference ${JSON.stringify(reference)} dropped: the variant was skipped`);
    reference = null;
  }
  return {
    plan: { ...plan, variants: plan.variants.filter((v) => kept.has(v.name)), comparisons, reference },
    variants,
    skipped,
    warnings,
  };
}
