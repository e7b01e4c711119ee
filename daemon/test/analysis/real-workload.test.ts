import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Sample } from '../../src/domain/types.js';
import { analyzeEpoch } from '../../src/analysis/index.js';
import { nativePaths } from '../../src/plan/index.js';

interface Line {
  type: string;
  t_ms?: number;
  ops?: number;
  elapsed_ms?: number;
  counters?: Record<string, number>;
  cpu_ms?: number;
}

test('analysis of a real random_mixed run speaks the workload protocol', () => {
  const out = execFileSync(
    nativePaths().workload,
    ['--seconds', '1.2', '--interval-ms', '100', '--burst-mb', '8', '--burst-every-s', '0.3'],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  const samples: Sample[] = lines
    .filter((l) => l.type === 'sample')
    .map((l) => ({
      t_ms: l.t_ms ?? 0,
      ops: l.ops ?? 0,
      ops_per_sec: null,
      rss_bytes: null,
      hwm_bytes: null,
      rss_anon_bytes: null,
      pss_bytes: null,
      lazyfree_bytes: null,
      cpu_ms: l.cpu_ms ?? null,
      counters: l.counters ?? {},
    }));
  const end = lines.at(-1);
  assert.equal(end?.type, 'end');
  assert.ok(samples.length >= 6, `${samples.length} samples`);
  const a = analyzeEpoch(samples, { warmupMs: 300, intervalMs: 100 }, undefined, {
    ops: end?.ops ?? 0,
    elapsed_ms: end?.elapsed_ms ?? 0,
    counters: end?.counters ?? {},
    cpu_ms: end?.cpu_ms ?? null,
  });
  assert.equal(a.ops, end?.ops);
  assert.equal(a.elapsed_ms, Math.round(end?.elapsed_ms ?? 0));
  // random_mixed reports its CPU time: ops per CPU-second over the measured part, from the first sample at
  // or after the warm-up to the end line.
  const base = samples.find((x) => x.t_ms >= 300);
  assert.ok(base !== undefined && base.cpu_ms !== null && typeof end?.cpu_ms === 'number');
  const cpu = (end?.cpu_ms ?? 0) - (base?.cpu_ms ?? 0);
  assert.ok(a.cpu_ms !== null && Math.abs(a.cpu_ms - cpu) < 1e-9, `cpu_ms ${a.cpu_ms} vs ${cpu}`);
  assert.ok(
    a.throughput_cpu !== null && Math.abs(a.throughput_cpu - (((end?.ops ?? 0) - (base?.ops ?? 0)) * 1000) / cpu) < 1e-6 * a.throughput_cpu,
  );
  // One busy thread: CPU time is at most the wall time (plus clock granularity), so ops per CPU-second ≥ ops per second.
  assert.ok(a.throughput_cpu >= (a.throughput_mean ?? 0) * 0.9, `${a.throughput_cpu} vs ${a.throughput_mean}`);
  assert.ok(a.throughput_cpu_cv !== null && a.throughput_cpu_cv >= 0);
  // The mean of the post-warm-up intervals equals ops over time between the first and last measured samples only
  // when intervals are equal; check the weaker, exact bound: it lies between the slowest and fastest interval.
  assert.ok(a.throughput_mean !== null && a.throughput_mean > 0);
  assert.ok((a.throughput_p1 ?? Infinity) <= a.throughput_mean && a.throughput_mean <= (a.throughput_p99 ?? -Infinity));
  assert.ok(a.throughput_cv !== null && a.throughput_cv >= 0);
  assert.equal(a.rss_initial_bytes, null, 'no /proc readings were given, so no RSS is invented');
  assert.equal(a.analysis_note, null);
});
