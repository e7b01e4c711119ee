/** Paths of the real native build (npm test builds it first) and of the compiled CLI. */
import { join } from 'node:path';
import { nativePaths } from '../../src/plan/index.js';
import { nativeBuildDir, packageRoot } from '../../src/paths/index.js';
import type { EpochSpec } from '../../src/supervisor/run-epoch.js';

const BUILD = nativeBuildDir();
export const { launcher: LAUNCHER, workload: RANDOM_MIXED, leanmalloc: LEANMALLOC } = nativePaths();
export const FIXTURE = join(BUILD, 'fixtures', 'protocol_fixture');
export const CLI = join(packageRoot(), 'dist', 'daemon', 'src', 'cli', 'main.js');

/** leanmalloc's knobs as it reports them (allocator_knobs) when LEANMALLOC_PROFILE=lean is all that is set. */
export const LEAN_KNOBS = {
  LEANMALLOC_PROFILE: 'lean',
  LEANMALLOC_LEAN: '1',
  LEANMALLOC_DECOMMIT: 'DONTNEED',
  LEANMALLOC_TARGET_MB: '10',
  LEANMALLOC_PURGE_DELAY_MS: '200',
  LEANMALLOC_STATS: '0',
};

/** An epoch of random_mixed under the real launcher, short enough for a test; `over` replaces fields. */
export function epochSpec(over: Partial<EpochSpec>): EpochSpec {
  return {
    launcher: LAUNCHER,
    workload: { kind: 'random_mixed', program: RANDOM_MIXED, args: [] },
    preload: null,
    env: {},
    epochMs: 1500,
    intervalMs: 250,
    warmupMs: 500,
    rssLimitBytes: null,
    killGraceMs: 500,
    ...over,
  };
}
