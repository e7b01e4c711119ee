import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { openStore } from '../../src/storage/index.js';
import { LAUNCHER, LEANMALLOC } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

test('random_mixed epochs under glibc and leanmalloc complete with a sensible analysis', async () => {
  const { dir, cleanup } = tempDir('analysis');
  const store = openStore(join(dir, 'an.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({
      name: 'analysis',
      epoch: '2s',
      warmup: '400ms',
      interval: '100ms',
      variants: [
        { name: 'glibc', allocator: 'glibc', args: ['--ws', '300'] },
        { name: 'lean', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean' }, args: ['--ws', '300', '--burst-mb', '8', '--burst-every-s', '0.5'] },
      ],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
    assert.equal(await started.done, 'completed');
    const rows = new Map(store.epochs.listRows({ campaign: started.id }).map((r) => [r.variant, r]));
    for (const name of ['glibc', 'lean']) {
      const e = rows.get(name)!;
      assert.equal(e.outcome, 'completed', `${name}: ${e.outcome_reason} ${e.stderr_tail}`);
      assert.ok(e.ops! > 0 && e.elapsed_ms! >= 1900 && e.elapsed_ms! <= 2500, `${name} ops ${e.ops} elapsed ${e.elapsed_ms}`);
      assert.ok(e.throughput_mean! > 0);
      assert.ok(e.throughput_p1! <= e.throughput_p50! && e.throughput_p50! <= e.throughput_p99!);
      assert.ok(e.throughput_cv! >= 0 && e.throughput_cv! < 1, `${name} cv ${e.throughput_cv}`);
      assert.ok(e.rss_initial_bytes! > 0 && e.rss_peak_bytes! >= e.rss_final_bytes! && e.rss_peak_bytes! >= e.rss_initial_bytes!);
      assert.ok(Number.isFinite(e.rss_drift_pct!) && Number.isFinite(e.rss_slope_bytes_per_hour!));
      assert.ok(e.adj_rss_final_bytes! <= e.rss_final_bytes!);
      assert.ok(e.syscalls_total! > 0 && e.syscalls_per_op! > 0 && e.syscalls_per_op! < 0.01, `${name} syscalls/op ${e.syscalls_per_op}`);
      assert.ok(e.host_id !== null && e.pid !== null);
      assert.ok(store.samples.list(e.id).length >= 15);
    }
    assert.equal(rows.get('glibc')!.allocator_sha256, null);
    const lean = rows.get('lean')!;
    assert.equal(lean.allocator_sha256, createHash('sha256').update(readFileSync(LEANMALLOC)).digest('hex'));
    assert.ok(lean.lean_decommit !== null && lean.lean_retire !== null, 'leanmalloc counters missing');
    const counters = JSON.parse(lean.counters_json!) as { delta: Record<string, number> };
    assert.ok('lean_decommit' in counters.delta);
  } finally {
    store.close();
    cleanup();
  }
});
