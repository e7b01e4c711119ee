/** The allocators the benchmark compares, and which of them are installed on this machine. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface Allocator {
  /** Name in the table and in --only. */
  name: string;
  /** Shared object to LD_PRELOAD, or null for the C library's own malloc. */
  preload: string | null;
  /** Extra environment (leanmalloc's profile). */
  env: Record<string, string>;
  /** What the workload's start line must say (`allocator`, and `allocator_profile` for leanmalloc):
   * a run that reports anything else did not measure what it claims and is rejected. */
  expect: { allocator: string; profile?: string };
}

export interface Candidate extends Allocator {
  /** Why it would be missing. */
  missingHint: string;
}

/** Debian's multiarch directory for this machine's architecture. */
function multiarchDir(): string {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return `/usr/lib/${triplet}`;
}

export const ALLOCATOR_NAMES = [
  'leanmalloc-speed',
  'leanmalloc-balanced',
  'leanmalloc-lean',
  'glibc',
  'mimalloc',
  'jemalloc',
  'tcmalloc',
] as const;

export function candidates(buildDir: string, leanmalloc: string | null = null): Candidate[] {
  const lean = leanmalloc ? path.resolve(leanmalloc) : path.join(buildDir, 'libleanmalloc.so');
  const lib = multiarchDir();
  const leanHint = leanmalloc
    ? `${lean} (--leanmalloc) does not exist`
    : `${lean} is not built (make -C native builds it once the allocator is in the tree)`;
  const profile = (p: string): Candidate => ({
    name: `leanmalloc-${p}`,
    preload: lean,
    env: { LEANMALLOC_PROFILE: p },
    expect: { allocator: 'leanmalloc', profile: p },
    missingHint: leanHint,
  });
  const peer = (name: string, file: string, pkg: string): Candidate => ({
    name,
    preload: path.join(lib, file),
    env: {},
    expect: { allocator: name },
    missingHint: `${path.join(lib, file)} not found (Debian package ${pkg})`,
  });
  return [
    profile('speed'),
    profile('balanced'),
    profile('lean'),
    { name: 'glibc', preload: null, env: {}, expect: { allocator: 'glibc' }, missingHint: '' },
    peer('mimalloc', 'libmimalloc.so.2', 'libmimalloc2.0'),
    peer('jemalloc', 'libjemalloc.so.2', 'libjemalloc2'),
    peer('tcmalloc', 'libtcmalloc_minimal.so.4', 'libtcmalloc-minimal4'),
  ];
}

/** Splits the candidates into the installed ones and the skipped ones (with the reason). */
export function findAllocators(
  buildDir: string,
  only: readonly string[] | null,
  leanmalloc: string | null = null,
): { found: Allocator[]; skipped: { name: string; reason: string }[] } {
  const found: Allocator[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const c of candidates(buildDir, leanmalloc)) {
    if (only && !only.includes(c.name)) continue;
    if (c.preload !== null && !existsSync(c.preload)) {
      skipped.push({ name: c.name, reason: c.missingHint });
      continue;
    }
    const { missingHint: _hint, ...allocator } = c;
    found.push(allocator);
  }
  return { found, skipped };
}
