// The exporter's exposition passes `promtool check metrics` (Prometheus' own linter: names, HELP, TYPE,
// counter suffixes), with epochs of every outcome, live samples and the default process metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AllocsoakMetrics } from '../../daemon/src/metrics/exporter.js';
import { COUNTED_OUTCOMES, METRICS } from '../../daemon/src/metrics/names.js';
import { EpochWriter, openTestStore, testPlan } from '../../daemon/test/metrics/fixtures.js';

function checkMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  assert.equal(r.error, undefined, `promtool could not run (apt-get install prometheus): ${String(r.error)}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool check metrics accepts the full exposition', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'allocsoak-promtool-'));
  const store = openTestStore(path.join(dir, 'allocsoak.db'));
  try {
    const plan = testPlan(['speed', 'glibc']);
    const w = new EpochWriter(store, plan);
    for (const outcome of COUNTED_OUTCOMES) {
      w.epoch('speed', outcome, {
        throughput_mean: 1e6,
        throughput_cv: 0.01,
        rss_drift_pct: 0.5,
        rss_held_drift_pct: 0.2,
        rss_peak_bytes: 1e8,
        rss_hwm_bytes: 1.2e8,
        syscalls_per_op: 1e-4,
        lean_decommit: 3,
        lean_retire: 1,
      });
    }
    const m = new AllocsoakMetrics({ store, state: () => 'running' });
    m.campaignStarted(plan.variants.map((v) => v.name));
    m.epochStarted(plan.epoch_ms, plan.warmup_ms);
    m.observeSample('speed', { t_ms: 2500, rss_bytes: 12_345_678, ops_per_sec: 987_654 });
    const text = await m.metrics();
    for (const spec of METRICS) assert.match(text, new RegExp(`^${spec.name}[{ ]`, 'm'), `${spec.name} has a sample`);
    const r = checkMetrics(text);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), '', `promtool found problems:\n${r.output}`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('promtool check metrics really lints (a gauge named *_total is rejected)', () => {
  const r = checkMetrics('# HELP x_total y\n# TYPE x_total gauge\nx_total 1\n');
  assert.notEqual(r.status, 0);
  assert.match(r.output, /non-counter metrics should not have "_total" suffix/);
});
