import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sample } from '../../src/domain/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import type { Plan } from '../../src/plan/types.js';

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** A database path under a fresh temp directory, in subdirectories that do not exist yet. */
export function tempDbPath(prefix = 'allocsoak-store-'): string {
  return join(tempDir(prefix), 'nested', 'dir', 'test.db');
}

export function testPlan(): Plan {
  return validatePlan({
    name: 'test',
    epoch: '4s',
    warmup: '1s',
    interval: '250ms',
    variants: [
      { name: 'speed', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'speed' } },
      { name: 'glibc', allocator: 'glibc' },
    ],
    comparisons: [{ baseline: 'speed', candidate: 'glibc', goal: 'speed' }],
  });
}

export function sample(t_ms: number, ops: number, extra: Partial<Sample> = {}): Sample {
  return {
    t_ms,
    ops,
    ops_per_sec: null,
    rss_bytes: 1_000_000 + t_ms,
    hwm_bytes: 2_000_000,
    rss_anon_bytes: 900_000,
    pss_bytes: 950_000,
    lazyfree_bytes: 0,
    cpu_ms: t_ms / 2,
    counters: { lean_decommit: Math.floor(t_ms / 1000), lean_retire: 0 },
    ...extra,
  };
}
