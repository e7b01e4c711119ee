/**
 * VerdictReader (what GET /compare and /drift call): answers equal the service's own, judged on a worker
 * thread for a database file, kept until an epoch starts or ends and judged again after; refusals keep
 * their parameter; the event loop keeps turning while a long series is judged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../src/domain/parameters.js';
import { openStore } from '../../src/storage/index.js';
import { compare, drift, VerdictReader } from '../../src/verdicts/index.js';
import { tempDir } from '../helpers/env.js';
import { seed } from '../http/helpers.js';

test('answers are the service’s, kept until an epoch starts or ends, then judged again', async () => {
  const { dir, cleanup } = tempDir('reader');
  const store = openStore(join(dir, 'r.db'));
  const reader = new VerdictReader(store);
  try {
    const s = seed(store);
    const d1 = await reader.drift({ variant: 'speed' });
    assert.deepEqual(d1, drift(store, { variant: 'speed' }));
    assert.equal(await reader.drift({ variant: 'speed' }), d1, 'the same answer object while nothing changed');
    const c1 = await reader.compare({ baseline: 'speed', candidate: 'lean' });
    assert.deepEqual(c1, compare(store, { baseline: 'speed', candidate: 'lean' }));

    // A new epoch starts: both are judged again; when it ends, again.
    const vid = store.variants.listForCampaign(s.campaign).find((v) => v.name === 'speed')!.id;
    const id = store.epochs.start({
      campaign_id: s.campaign,
      variant_id: vid,
      variant: 'speed',
      round: 4,
      planned_ms: 1000,
      warmup_ms: 0,
      interval_ms: 100,
    });
    const d2 = await reader.drift({ variant: 'speed' });
    assert.notEqual(d2, d1);
    store.epochs.finish(id, { outcome: 'completed', throughput_mean: 5e6, rss_drift_pct: 40, rss_initial_bytes: 1 << 20 });
    const d3 = await reader.drift({ variant: 'speed' });
    assert.notEqual(d3, d2);
    assert.deepEqual(d3, drift(store, { variant: 'speed' }));
    assert.equal(d3.epochs.length, d1.epochs.length + 1, 'the new completed epoch is judged');
    const c3 = await reader.compare({ baseline: 'speed', candidate: 'lean' });
    assert.deepEqual(c3, compare(store, { baseline: 'speed', candidate: 'lean' }));

    // A refusal from the worker is still an InputError naming the parameter, and is not kept.
    await assert.rejects(
      reader.drift({ variant: 'nope' }),
      (err: unknown) => err instanceof InputError && err.parameter === 'variant' && /unknown variant "nope"/.test(err.message),
    );
    await assert.rejects(reader.compare({ baseline: 'speed', candidate: 'speed' }), (err: unknown) => err instanceof InputError);
  } finally {
    await reader.close();
    store.close();
    cleanup();
  }
});

test('a judgement over thousands of epochs runs off the event loop', async () => {
  const { dir, cleanup } = tempDir('reader-long');
  const store = openStore(join(dir, 'long.db'));
  const reader = new VerdictReader(store);
  try {
    const s = seed(store);
    const vid = store.variants.listForCampaign(s.campaign).find((v) => v.name === 'speed')!.id;
    const add = store.db.transaction(() => {
      for (let i = 0; i < 2500; i++) {
        const id = store.epochs.start({
          campaign_id: s.campaign,
          variant_id: vid,
          variant: 'speed',
          round: 10 + i,
          planned_ms: 1000,
          warmup_ms: 0,
          interval_ms: 100,
        });
        store.epochs.finish(id, {
          outcome: 'completed',
          throughput_mean: 5e6 * (1 + 0.01 * Math.sin(i)),
          rss_initial_bytes: 1 << 20,
          rss_drift_pct: 0.1 * Math.cos(i),
          rss_held_drift_pct: 0.1 * Math.cos(i * 1.3),
          rss_slope_bytes_per_hour: 10 * Math.sin(i * 0.7),
          rss_slope_low: -100,
          rss_slope_high: 100,
        });
      }
    });
    add();
    // Counts timer ticks while the worker judges: a judgement in this thread would allow none.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const d = await reader.drift({ variant: 'speed' });
    const ms = performance.now() - t0;
    clearInterval(timer);
    assert.equal(d.epochs.length, 2500 + 3);
    assert.ok(ticks >= Math.min(5, ms / 20), `${ticks} timer ticks during a ${ms.toFixed(0)} ms judgement`);
  } finally {
    await reader.close();
    store.close();
    cleanup();
  }
});
