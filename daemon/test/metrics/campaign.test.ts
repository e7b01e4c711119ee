// The exporter following a real campaign: the real controller runs real children (random_mixed under
// leanmalloc's lean profile with burst churn, and a fixture that crashes), writes a real SQLite file, and
// GET /metrics is asked through the real fastify app. Values are checked against what the store holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { buildApp } from '../../src/http/index.js';
import { AllocsoakMetrics } from '../../src/metrics/exporter.js';
import { COUNTED_OUTCOMES } from '../../src/metrics/names.js';
import { openStore } from '../../src/storage/index.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';
import { FIXTURE, LAUNCHER } from '../helpers/native.js';
import { find, parseExposition, valueOf } from './exposition.js';

test('a real campaign: zeros and live values while it runs, the stored results after, idle at the end', async () => {
  const { dir, cleanup } = tempDir('metrics-campaign');
  const store = openStore(join(dir, 'metrics.db'));
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log });
  const metrics = new AllocsoakMetrics({ store, state: () => controller.status().state });
  metrics.follow(controller);
  const app = await buildApp({ store, controller, metrics, options: { version: 'test', token: null, allowCommands: true } });
  try {
    const scrape = async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return parseExposition(res.body);
    };
    const resolved = planFrom({
      name: 'metrics',
      epoch: '1500ms',
      warmup: '300ms',
      interval: '100ms',
      variants: [
        {
          name: 'lean',
          allocator: 'leanmalloc',
          env: { LEANMALLOC_PROFILE: 'lean' },
          args: ['--burst-mb', '32', '--burst-every-s', '0.4'],
        },
        { name: 'crashy', command: [FIXTURE, '--mode', 'crash', '--after-ms', '400'] },
      ],
    });

    // While the first epoch (lean) runs: every counter at 0, live gauges of lean only.
    const thirdSample = new Promise<void>((resolve) => {
      let n = 0;
      const onSample = (): void => {
        if (++n === 3) {
          controller.off('sample', onSample);
          resolve();
        }
      };
      controller.on('sample', onSample);
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    await thirdSample;
    let e = await scrape();
    assert.equal(valueOf(e, 'allocsoak_daemon_state', { state: 'running' }), 1);
    for (const variant of ['lean', 'crashy']) {
      for (const outcome of COUNTED_OUTCOMES) assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant, outcome }), 0);
      assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant }), 0);
      assert.equal(valueOf(e, 'allocsoak_epoch_planned_seconds', { variant }), 1.5);
      assert.equal(valueOf(e, 'allocsoak_epoch_warmup_seconds', { variant }), 0.3);
    }
    assert.deepEqual(
      find(e, 'allocsoak_workload_rss_bytes').map((s) => s.labels.variant),
      ['lean'],
    );
    assert.ok(valueOf(e, 'allocsoak_workload_rss_bytes', { variant: 'lean' }) > 1 << 20, 'a real RSS');
    assert.ok(valueOf(e, 'allocsoak_workload_throughput_ops_per_second', { variant: 'lean' }) > 0);
    assert.ok(valueOf(e, 'allocsoak_workload_elapsed_seconds', { variant: 'lean' }) > 0);
    assert.deepEqual(find(e, 'allocsoak_epoch_throughput_ops_per_second'), []);

    assert.equal(await started.done, 'completed');
    e = await scrape();
    assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'lean', outcome: 'completed' }), 2);
    assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'crashy', outcome: 'crashed' }), 2);
    assert.equal(valueOf(e, 'allocsoak_epochs_total', { variant: 'crashy', outcome: 'completed' }), 0);

    // The last-epoch gauges are the stored latest completed epoch of lean; crashy has none.
    const stored = store.epochs.list({ variant: 'lean', outcome: 'completed', limit: 1 })[0];
    assert.ok(stored && stored.throughput_mean !== null && stored.rss_drift_pct !== null && stored.rss_peak_bytes !== null);
    assert.equal(valueOf(e, 'allocsoak_epoch_throughput_ops_per_second', { variant: 'lean' }), stored.throughput_mean);
    assert.equal(valueOf(e, 'allocsoak_epoch_throughput_cv_ratio', { variant: 'lean' }), stored.throughput_cv);
    assert.equal(valueOf(e, 'allocsoak_epoch_rss_drift_ratio', { variant: 'lean' }), stored.rss_drift_pct / 100);
    assert.equal(valueOf(e, 'allocsoak_epoch_rss_peak_bytes', { variant: 'lean' }), stored.rss_peak_bytes);
    assert.equal(
      valueOf(e, 'allocsoak_last_epoch_completed_timestamp_seconds', { variant: 'lean' }),
      Date.parse(stored.ended_at ?? '') / 1000,
    );
    if (stored.syscalls_per_op !== null) {
      assert.equal(valueOf(e, 'allocsoak_epoch_syscalls_per_op', { variant: 'lean' }), stored.syscalls_per_op);
    }
    assert.deepEqual(find(e, 'allocsoak_epoch_throughput_ops_per_second', { variant: 'crashy' }), []);

    // The lean-mode counters: sums over both stored epochs; the burst churn makes lean mode decommit.
    const all = store.epochs.list({ variant: 'lean' });
    const sum = (k: 'lean_decommit' | 'lean_retire'): number => all.reduce((a, x) => a + (x[k] ?? 0), 0);
    assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant: 'lean' }), sum('lean_decommit'));
    assert.equal(valueOf(e, 'allocsoak_lean_retire_total', { variant: 'lean' }), sum('lean_retire'));
    assert.ok(sum('lean_decommit') > 0, `lean mode decommitted nothing: ${JSON.stringify(all.map((x) => x.lean_decommit))}`);
    assert.equal(valueOf(e, 'allocsoak_lean_decommit_total', { variant: 'crashy' }), 0);

    // Campaign over: no child, no live series, idle, and no lengths (nothing is expected to complete).
    assert.deepEqual(find(e, 'allocsoak_workload_rss_bytes'), []);
    assert.equal(valueOf(e, 'allocsoak_daemon_state', { state: 'idle' }), 1);
    assert.deepEqual(find(e, 'allocsoak_epoch_planned_seconds'), []);
  } finally {
    await controller.stop();
    await controller.whenIdle();
    await app.close();
    store.close();
    cleanup();
  }
});

test("an app built without an exporter has no /metrics route (404), as other routes' tests build it", async () => {
  const { dir, cleanup } = tempDir('metrics-route');
  const store = openStore(join(dir, 'm.db'));
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log });
  const app = await buildApp({ store, controller, options: { version: 'test', token: null, allowCommands: false } });
  try {
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  } finally {
    await app.close();
    store.close();
    cleanup();
  }
});
