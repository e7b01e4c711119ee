import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { buildApp } from '../../src/http/index.js';
import { Outcome } from '../../src/http/schemas/epochs.js';
import { OUTCOMES } from '../../src/domain/types.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

function seed(store: Store): { campaign: number; ids: Record<string, number[]> } {
  const resolved = planFrom({ name: 'seeded', epoch: '1s', warmup: '0s', interval: '100ms', variants: [{ name: 'speed', allocator: 'glibc' }, { name: 'lean', allocator: 'glibc' }] });
  const campaign = store.campaigns.create({ source: 'test', plan: resolved.plan, epochs_per_variant: 3 });
  const ids: Record<string, number[]> = { speed: [], lean: [] };
  for (let round = 1; round <= 3; round++) {
    for (const v of resolved.plan.variants) {
      const vid = store.variants.upsert(campaign, v, null);
      const id = store.epochs.start({ campaign_id: campaign, variant_id: vid, variant: v.name, round, planned_ms: 1000, warmup_ms: 0, interval_ms: 100 });
      store.epochs.finish(id, {
        outcome: round === 3 && v.name === 'lean' ? 'crashed' : 'completed',
        ops: 1000 * round,
        throughput_mean: 5e6 + round,
        throughput_cv: 0.01,
        rss_initial_bytes: 1 << 20,
        rss_final_bytes: (1 << 20) + round,
        rss_peak_bytes: 2 << 20,
        rss_drift_pct: 0.5,
        syscalls_per_op: 0.001,
        lean_decommit: round,
      });
      ids[v.name]!.push(id);
    }
  }
  return { campaign, ids };
}

test('GET /api/v1/health and /api/v1/epochs against a real SQLite file', async () => {
  const { dir, cleanup } = tempDir('http');
  const store = openStore(join(dir, 'api.db'));
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log });
  const app = await buildApp({ store, controller, options: { version: '9.9.9', token: null, allowCommands: false } });
  try {
    const { campaign, ids } = seed(store);

    const health = await app.inject({ method: 'GET', url: '/api/v1/health' });
    assert.equal(health.statusCode, 200);
    const h = health.json() as Record<string, unknown>;
    assert.equal(h.status, 'ok');
    assert.equal(h.version, '9.9.9');
    assert.equal(h.state, 'idle');
    assert.equal(h.campaign_id, null);

    const all = await app.inject({ method: 'GET', url: '/api/v1/epochs' });
    assert.equal(all.statusCode, 200);
    const epochs = (all.json() as { epochs: Array<Record<string, unknown>> }).epochs;
    assert.equal(epochs.length, 6);
    assert.deepEqual(epochs.map((e) => e.id), [...ids.speed!, ...ids.lean!].sort((a, b) => b - a), 'newest first');
    const fields = ['id', 'campaign_id', 'variant', 'outcome', 'started_at', 'ended_at', 'ops', 'throughput_mean', 'throughput_cv', 'throughput_p1', 'throughput_p50', 'rss_initial_bytes', 'rss_final_bytes', 'rss_peak_bytes', 'rss_drift_pct', 'rss_slope_bytes_per_hour', 'syscalls_per_op', 'lean_decommit', 'lean_retire'];
    assert.deepEqual(Object.keys(epochs[0]!).sort(), [...fields].sort());
    const newestLean = epochs.find((e) => e.id === ids.lean![2])!;
    assert.equal(newestLean.outcome, 'crashed');
    assert.equal(newestLean.campaign_id, campaign);
    assert.equal(newestLean.ops, 3000);
    assert.equal(newestLean.lean_decommit, 3);
    assert.equal(newestLean.throughput_p1, null);

    const speed = await app.inject({ method: 'GET', url: '/api/v1/epochs?variant=speed&limit=2' });
    assert.equal(speed.statusCode, 200);
    assert.deepEqual((speed.json() as { epochs: Array<{ id: number }> }).epochs.map((e) => e.id), [ids.speed![2], ids.speed![1]]);

    const none = await app.inject({ method: 'GET', url: '/api/v1/epochs?variant=nosuch' });
    assert.deepEqual(none.json(), { epochs: [] });

    for (const [q, re] of [
      ['limit=0', /limit must be >= 1/],
      ['limit=10001', /limit must be <= 10000/],
      ['limit=-5', /limit/],
      ['limit=abc', /limit must be integer/],
      ['limit=1.5', /limit must be integer/],
    ] as const) {
      const r = await app.inject({ method: 'GET', url: `/api/v1/epochs?${q}` });
      assert.equal(r.statusCode, 400, q);
      assert.match((r.json() as { message: string }).message, re, q);
    }
    const nf = await app.inject({ method: 'GET', url: '/api/v1/nope' });
    assert.equal(nf.statusCode, 404);
  } finally {
    await app.close();
    store.close();
    cleanup();
  }
});

test('the API schema knows exactly the domain outcomes', () => {
  const literals = (Outcome as unknown as { anyOf: Array<{ const: string }> }).anyOf.map((s) => s.const);
  assert.deepEqual(literals, [...OUTCOMES]);
});
