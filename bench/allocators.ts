/** The allocators the benchmark compares, and which of them are installed on this machine. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveAllocator, SYSTEM_ALLOCATORS } from '../daemon/src/plan/index.js';

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
  /** Why it is missing, or null when it is installed. */
  missingHint: string | null;
}

const LEANMALLOC_PROFILES = ['speed', 'balanced', 'lean'] as const;

/** The peer allocators are the daemon's (plan/allocators.ts): the same libraries, looked for in the same places. */
const PEERS = Object.keys(SYSTEM_ALLOCATORS);

export const ALLOCATOR_NAMES: readonly string[] = [...LEANMALLOC_PROFILES.map((p) => `leanmalloc-${p}`), 'glibc', ...PEERS];

function candidates(buildDir: string, leanmalloc: string | null = null): Candidate[] {
  const lean = leanmalloc ? path.resolve(leanmalloc) : path.join(buildDir, 'libleanmalloc.so');
  const leanHint = leanmalloc
    ? `${lean} (--leanmalloc) does not exist`
    : `${lean} is not built (make -C native builds it once the allocator is in the tree)`;
  const profile = (p: string): Candidate => ({
    name: `leanmalloc-${p}`,
    preload: existsSync(lean) ? lean : null,
    env: { LEANMALLOC_PROFILE: p },
    expect: { allocator: 'leanmalloc', profile: p },
    missingHint: existsSync(lean) ? null : leanHint,
  });
  const peer = (name: string): Candidate => {
    const found = resolveAllocator(name);
    return {
      name,
      preload: found.ok ? found.library : null,
      env: {},
      expect: { allocator: name },
      missingHint: found.ok ? null : `${found.expected} not found (${found.hint})`,
    };
  };
  return [
    ...LEANMALLOC_PROFILES.map(profile),
    { name: 'glibc', preload: null, env: {}, expect: { allocator: 'glibc' }, missingHint: null },
    ...PEERS.map(peer),
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
    const { missingHint, ...allocator } = c;
    if (missingHint !== null) skipped.push({ name: c.name, reason: missingHint });
    else found.push(allocator);
  }
  return { found, skipped };
}
