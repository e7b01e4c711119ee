/** GET /campaigns/:id/duet-intervals and /campaigns/:id/series over a real SQLite store (inject). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/storage/index.js';
import type { CampaignSeriesResponse, DuetIntervalsResponse } from '../../src/http/schemas/campaigns.js';
import { planFrom } from '../helpers/env.js';
import { makeApp } from './helpers.js';

interface EpochSpec {
  variant: string;
  round: number;
  series: string;
  library: string | null;
  env?: Record<string, string>;
}

/** A campaign of variants base and cand with the given epochs (in this order), each completed. */
function campaignOf(store: Store, epochs: EpochSpec[]): { campaign: number; ids: number[] } {
  const resolved = planFrom({
    name: 'pairs',
    mode: 'duet',
    epoch: '1s',
    warmup: '0s',
    interval: '100ms',
    variants: [
      { name: 'base', allocator: 'glibc' },
      { name: 'cand', allocator: 'glibc' },
    ],
    comparisons: [{ baseline: 'base', candidate: 'cand', goal: 'speed' }],
  });
  const campaign = store.campaigns.create({ source: 'test', plan: resolved.plan, epochs_per_variant: 2 });
  const ids: number[] = [];
  for (const e of epochs) {
    const planned = resolved.plan.variants.find((v) => v.name === e.variant)!;
    const vid = store.variants.upsert(campaign, { ...planned, env: e.env ?? planned.env }, null);
    const id = store.epochs.start({
      campaign_id: campaign,
      variant_id: vid,
      variant: e.variant,
      round: e.round,
      planned_ms: 1000,
      warmup_ms: 0,
      interval_ms: 100,
      started_at: new Date().toISOString(),
      allocator_sha256: e.library,
      series_sha256: e.series,
    });
    store.epochs.finish(id, { outcome: 'completed', throughput_mean: 1e6, throughput_cpu: 1e6 });
    ids.push(id);
  }
  return { campaign, ids };
}

test('a duet campaign lists its rounds with their per-interval ratios; a round alone; 404 for no campaign', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const { campaign, ids } = campaignOf(t.store, [
      { variant: 'base', round: 1, series: 's-b', library: null },
      { variant: 'cand', round: 1, series: 's-c', library: null },
      { variant: 'cand', round: 2, series: 's-c', library: null },
      { variant: 'base', round: 2, series: 's-b', library: null },
    ]);
    const [b1, c1, c2, b2] = ids as [number, number, number, number];
    t.store.duetIntervals.add({
      campaign_id: campaign,
      round: 1,
      baseline_epoch_id: b1,
      candidate_epoch_id: c1,
      basis: 'cpu',
      clock_offset_ms: 3.5,
      intervals: [
        { t_ms: 300, ratio: 0.99 },
        { t_ms: 200, ratio: 0.97 },
        { t_ms: 400, ratio: 1.02 },
      ],
    });
    t.store.duetIntervals.add({
      campaign_id: campaign,
      round: 2,
      baseline_epoch_id: b2,
      candidate_epoch_id: c2,
      basis: 'wall',
      clock_offset_ms: -1,
      intervals: [
        { t_ms: 100, ratio: 1.1 },
        { t_ms: 200, ratio: 1.5 },
      ],
    });
    const all = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign}/duet-intervals` });
    assert.equal(all.statusCode, 200, all.body);
    const body = all.json<DuetIntervalsResponse>();
    assert.equal(body.campaign_id, campaign);
    assert.deepEqual(
      body.rounds.map((r) => [r.round, r.baseline, r.candidate, r.basis, r.clock_offset_ms, r.median_ratio]),
      [
        [1, { epoch_id: b1, variant: 'base' }, { epoch_id: c1, variant: 'cand' }, 'cpu', 3.5, 0.99],
        [2, { epoch_id: b2, variant: 'base' }, { epoch_id: c2, variant: 'cand' }, 'wall', -1, 1.3],
      ],
    );
    // In time order, whatever order they were stored in.
    assert.deepEqual(body.rounds[0]!.intervals, [
      { t_ms: 200, ratio: 0.97 },
      { t_ms: 300, ratio: 0.99 },
      { t_ms: 400, ratio: 1.02 },
    ]);
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign}/duet-intervals?round=2` });
    assert.deepEqual(
      one.json<DuetIntervalsResponse>().rounds.map((r) => r.round),
      [2],
    );
    const none = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign}/duet-intervals?round=9` });
    assert.deepEqual(none.json<DuetIntervalsResponse>().rounds, []);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/999/duet-intervals` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign}/duet-intervals?round=0` })).statusCode, 400);
  } finally {
    await t.close();
  }
});

test('series: a rebuilt library starts a new series from its first epoch, named as such; env changes are told apart', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const first = campaignOf(t.store, [
      { variant: 'base', round: 1, series: 'B1', library: 'lib-1' },
      { variant: 'cand', round: 1, series: 'C1', library: 'lib-1' },
    ]);
    // Campaign 2: base unchanged; cand's library rebuilt after its first epoch of the campaign.
    const second = campaignOf(t.store, [
      { variant: 'base', round: 1, series: 'B1', library: 'lib-1' },
      { variant: 'cand', round: 1, series: 'C1', library: 'lib-1' },
      { variant: 'base', round: 2, series: 'B1', library: 'lib-1' },
      { variant: 'cand', round: 2, series: 'C2', library: 'lib-2' },
    ]);
    // Campaign 3: base with another env (same library), cand still C2.
    const third = campaignOf(t.store, [
      { variant: 'base', round: 1, series: 'B2', library: 'lib-1', env: { MALLOC_ARENA_MAX: '1' } },
      { variant: 'cand', round: 1, series: 'C2', library: 'lib-2' },
    ]);
    const get = async (c: number): Promise<CampaignSeriesResponse> => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${c}/series` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<CampaignSeriesResponse>();
    };
    const s1 = await get(first.campaign);
    assert.deepEqual(
      s1.variants.map((v) => [v.variant, v.series_sha256, v.first?.epoch_id, v.epochs, v.last_change]),
      [
        ['base', 'B1', first.ids[0], 1, null],
        ['cand', 'C1', first.ids[1], 1, null],
      ],
    );
    const s2 = await get(second.campaign);
    const cand2 = s2.variants.find((v) => v.variant === 'cand')!;
    assert.equal(cand2.series_sha256, 'C2');
    assert.deepEqual(cand2.first, {
      epoch_id: second.ids[3],
      campaign_id: second.campaign,
      series_sha256: 'C2',
      allocator_sha256: 'lib-2',
    });
    assert.equal(cand2.epochs, 1);
    assert.deepEqual(cand2.last_change, {
      from: { epoch_id: second.ids[1], campaign_id: second.campaign, series_sha256: 'C1', allocator_sha256: 'lib-1' },
      to: { epoch_id: second.ids[3], campaign_id: second.campaign, series_sha256: 'C2', allocator_sha256: 'lib-2' },
      changed: ['allocator library'],
    });
    // base ran one series across both campaigns: 3 epochs, never changed.
    const base2 = s2.variants.find((v) => v.variant === 'base')!;
    assert.deepEqual([base2.first?.epoch_id, base2.epochs, base2.last_change], [first.ids[0], 3, null]);
    // As of campaign 2, later campaigns do not count; as of 3, base's env changed there.
    const s3 = await get(third.campaign);
    const base3 = s3.variants.find((v) => v.variant === 'base')!;
    assert.equal(base3.last_change?.from.epoch_id, second.ids[2]);
    assert.equal(base3.last_change?.to.epoch_id, third.ids[0]);
    assert.deepEqual(base3.last_change?.changed, ['env']);
    const cand3 = s3.variants.find((v) => v.variant === 'cand')!;
    assert.deepEqual([cand3.first?.epoch_id, cand3.epochs, cand3.last_change?.to.epoch_id], [second.ids[3], 2, second.ids[3]]);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/campaigns/999/series' })).statusCode, 404);
  } finally {
    await t.close();
  }
});
