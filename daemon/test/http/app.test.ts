/** The read-only routes against a real SQLite file seeded through the store API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTCOMES } from '../../src/domain/types.js';
import { Outcome } from '../../src/http/schemas/epochs.js';
import { makeApp, seed } from './helpers.js';

type Json = Record<string, unknown>;

const SUMMARY_FIELDS = [
  'id',
  'campaign_id',
  'variant',
  'round',
  'outcome',
  'stderr_lines',
  'started_at',
  'ended_at',
  'allocator_reported',
  'allocator_profile',
  'ops',
  'throughput_mean',
  'throughput_cv',
  'throughput_p1',
  'throughput_p50',
  'throughput_cpu',
  'rss_initial_bytes',
  'rss_final_bytes',
  'rss_hwm_bytes',
  'rss_peak_bytes',
  'rss_drift_pct',
  'rss_held_drift_pct',
  'rss_slope_bytes_per_hour',
  'syscalls_per_op',
  'lean_decommit',
  'lean_retire',
  'series_sha256',
];

test('GET /api/v1/health and /api/v1/status when idle', async () => {
  const t = await makeApp();
  try {
    const health = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    assert.equal(health.statusCode, 200);
    const h = health.json<Json>();
    assert.equal(h.status, 'ok');
    assert.equal(h.version, '9.9.9');
    assert.equal(h.state, 'idle');
    assert.equal(h.campaign_id, null);

    const status = await t.app.inject({ method: 'GET', url: '/api/v1/status' });
    assert.equal(status.statusCode, 200);
    const s = status.json<Json>();
    assert.equal(s.state, 'idle');
    assert.equal(s.campaign, null);
    assert.equal(s.current_epoch, null);
    assert.equal(s.next_variant, null);
    assert.ok(Math.abs(Date.parse(s.now as string) - Date.now()) < 5000);
  } finally {
    await t.close();
  }
});

test('GET /api/v1/epochs: fields, newest first, every filter, and 400s naming the parameter', async () => {
  const t = await makeApp();
  try {
    const { campaign, ids, startedAt } = seed(t.store);
    const all = await t.app.inject({ method: 'GET', url: '/api/v1/epochs' });
    assert.equal(all.statusCode, 200);
    const epochs = all.json<{ epochs: Json[] }>().epochs;
    assert.equal(epochs.length, 6);
    assert.deepEqual(
      epochs.map((e) => e.id),
      [...ids.speed!, ...ids.lean!].sort((a, b) => b - a),
      'newest first',
    );
    assert.deepEqual(Object.keys(epochs[0]!).sort(), [...SUMMARY_FIELDS].sort());
    const newestLean = epochs.find((e) => e.id === ids.lean![2])!;
    assert.equal(newestLean.outcome, 'crashed');
    assert.equal(newestLean.campaign_id, campaign);
    assert.equal(newestLean.ops, 3000);
    assert.equal(newestLean.lean_decommit, 3);
    assert.equal(newestLean.throughput_p1, null);

    const list = async (q: string): Promise<number[]> => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/epochs?${q}` });
      assert.equal(r.statusCode, 200, `${q}: ${r.body}`);
      return r.json<{ epochs: Array<{ id: number }> }>().epochs.map((e) => e.id);
    };
    assert.deepEqual(await list('variant=speed&limit=2'), [ids.speed![2], ids.speed![1]]);
    assert.deepEqual(await list('outcome=crashed'), [ids.lean![2]]);
    assert.deepEqual(await list(`campaign=${campaign}&variant=lean&outcome=completed`), [ids.lean![1], ids.lean![0]]);
    // since is inclusive; the 4th epoch (index 3) started at 00:03
    assert.deepEqual(await list(`since=${encodeURIComponent(startedAt[3]!)}`), [ids.lean![2], ids.speed![2], ids.lean![1]]);
    assert.deepEqual(await list('since=2026-01-01T00:04:00Z'), [ids.lean![2], ids.speed![2]]);
    assert.deepEqual(await list('since=2026-01-01T01:04:00%2B01:00'), [ids.lean![2], ids.speed![2]], 'zone offsets are honoured');
    assert.deepEqual(await list('since=2026-01-01T00:04'), [ids.lean![2], ids.speed![2]], 'no zone = UTC');
    assert.deepEqual(await list('since=2026-01-02'), []);
    assert.equal((await list('since=2025-12-31')).length, 6);

    const other = t.store.campaigns.create({ source: 'test', plan: t.store.campaigns.get(campaign)!.plan });
    assert.deepEqual(await list(`campaign=${other}`), [], 'a known campaign without epochs is an empty list');

    for (const [q, re] of [
      ['limit=0', /^querystring\/limit must be >= 1$/],
      ['limit=10001', /^querystring\/limit must be <= 10000$/],
      ['limit=-5', /^querystring\/limit must be >= 1$/],
      ['limit=abc', /^querystring\/limit must be integer$/],
      ['limit=1.5', /^querystring\/limit must be integer$/],
      ['limit=', /^querystring\/limit must be integer$/],
      ['variant=nosuch', /^querystring\/variant: unknown variant "nosuch"; expected one of lean, speed$/],
      ['outcome=exploded', /^querystring\/outcome must be one of running, completed, crashed, timeout, oom, failed, interrupted, aborted$/],
      ['campaign=999', /^querystring\/campaign: no campaign 999$/],
      ['campaign=x', /^querystring\/campaign must be integer$/],
      ['since=yesterday', /^querystring\/since: expected an ISO-8601 time .*got "yesterday"$/],
      ['since=2026-13-45', /^querystring\/since: expected an ISO-8601 time/],
      ['since=2026-01-01T25:00Z', /^querystring\/since: expected an ISO-8601 time/],
      ['colour=red', /^querystring: unknown parameter "colour"$/],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/epochs?${q}` });
      assert.equal(r.statusCode, 400, q);
      const body = r.json<Json>();
      assert.equal(body.error, 'Bad Request', q);
      assert.match(body.message as string, re, q);
    }
  } finally {
    await t.close();
  }
});

test('GET /api/v1/epochs/:id: every measured field, counters, host metadata, stderr tail; 404 and 400', async () => {
  const t = await makeApp();
  try {
    const { ids } = seed(t.store);
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${ids.lean![2]}` });
    assert.equal(r.statusCode, 200);
    const e = r.json<Json>();
    assert.equal(e.outcome, 'crashed');
    assert.equal(e.signal, 'SIGSEGV');
    assert.equal(e.outcome_reason, 'killed by SIGSEGV');
    assert.equal(e.stderr_tail, 'boom: segfault at 0x0\n');
    assert.equal(e.round, 3);
    assert.equal(e.planned_ms, 1000);
    assert.deepEqual(e.host, { id: e.host_id, hostname: 'box', kernel: '6.1.0', cpu_model: 'Test CPU', cores: 2, thp: 'madvise' });
    assert.deepEqual(e.counters, { delta: { lean_decommit: 3 }, per_op: { lean_decommit: 0.001 } });
    assert.equal(e.throughput_mean, 5e6 + 3);
    // every column of the epochs table is there (counters_json parsed into `counters`)
    const columns = (t.store.db.prepare('SELECT name FROM pragma_table_info(?)').all('epochs') as Array<{ name: string }>).map(
      (c) => c.name,
    );
    for (const c of columns.filter((c) => c !== 'counters_json')) assert.ok(c in e, `field ${c} missing`);

    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/epochs/424242' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<Json>().message, 'no epoch 424242');
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const b = await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${bad}` });
      assert.equal(b.statusCode, 400, bad);
      assert.match(b.json<Json>().message as string, /^params\/id must be/, bad);
    }
  } finally {
    await t.close();
  }
});

test('GET /api/v1/epochs/:id/samples: step and max_points bound the series, first and last kept', async () => {
  const t = await makeApp();
  try {
    const { ids } = seed(t.store);
    const id = ids.speed![0]!;
    const N = 2500;
    for (let i = 0; i < N; i++) {
      t.store.samples.add(id, {
        t_ms: (i + 1) * 100,
        ops: (i + 1) * 1000,
        ops_per_sec: 10_000 + i,
        rss_bytes: 1_000_000 + i * 8,
        hwm_bytes: null,
        rss_anon_bytes: null,
        pss_bytes: null,
        lazyfree_bytes: 0,
        cpu_ms: null,
        counters: { lean_decommit: i },
      });
    }
    const get = async (q: string) => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${id}/samples${q}` });
      assert.equal(r.statusCode, 200, `${q}: ${r.body}`);
      return r.json<{
        total_samples: number;
        step: number;
        max_points: number;
        samples: Array<{ t_ms: number; ops_per_sec: number; counters: Record<string, number> }>;
        variant: string;
        interval_ms: number;
      }>();
    };
    const dflt = await get('');
    assert.equal(dflt.total_samples, N);
    assert.equal(dflt.max_points, 1000);
    assert.equal(dflt.step, 1);
    assert.equal(dflt.samples.length, 1000, 'default bound');
    assert.equal(dflt.variant, 'speed');
    assert.equal(dflt.interval_ms, 100);
    assert.equal(dflt.samples[0]!.t_ms, 100);
    assert.equal(dflt.samples.at(-1)!.t_ms, N * 100);
    assert.deepEqual(dflt.samples.at(-1)!.counters, { lean_decommit: N - 1 });
    assert.ok(
      dflt.samples.every((s, i) => i === 0 || s.t_ms > dflt.samples[i - 1]!.t_ms),
      'time order',
    );

    for (const maxPoints of [1, 2, 7, 300, 2499, 2500, 10_000]) {
      const r = await get(`?max_points=${maxPoints}`);
      assert.equal(r.samples.length, Math.min(maxPoints, N), `max_points=${maxPoints}`);
      assert.equal(r.samples.at(-1)!.t_ms, N * 100, 'the newest sample is always there');
    }
    const stepped = await get('?step=10&max_points=10000');
    // indices 0,10,...,2490 (250 samples) plus the last (2499)
    assert.equal(stepped.samples.length, 251);
    assert.deepEqual(
      stepped.samples.slice(0, 3).map((s) => s.t_ms),
      [100, 1100, 2100],
    );
    assert.equal(stepped.samples.at(-1)!.t_ms, N * 100);
    const both = await get('?step=10&max_points=50');
    assert.equal(both.samples.length, 50);
    assert.ok(
      both.samples.every((s) => (s.t_ms / 100 - 1) % 10 === 0 || s.t_ms === N * 100),
      'max_points thins what step kept',
    );
    const live = await get('?after_t_ms=249000');
    assert.deepEqual(
      live.samples.map((s) => s.t_ms),
      [249_100, 249_200, 249_300, 249_400, 249_500, 249_600, 249_700, 249_800, 249_900, 250_000],
    );
    assert.equal(live.total_samples, 10);

    const none = await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${ids.lean![0]}/samples` });
    assert.deepEqual(none.json<{ samples: unknown[] }>().samples, [], 'an epoch without samples');

    for (const [q, re] of [
      ['?max_points=0', /^querystring\/max_points must be >= 1$/],
      ['?max_points=10001', /^querystring\/max_points must be <= 10000$/],
      ['?max_points=lots', /^querystring\/max_points must be integer$/],
      ['?step=0', /^querystring\/step must be >= 1$/],
      ['?step=-3', /^querystring\/step must be >= 1$/],
      ['?step=two', /^querystring\/step must be integer$/],
      ['?after_t_ms=-1', /^querystring\/after_t_ms must be >= 0$/],
      ['?points=3', /^querystring: unknown parameter "points"$/],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${id}/samples${q}` });
      assert.equal(r.statusCode, 400, q);
      assert.match(r.json<Json>().message as string, re, q);
    }
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/epochs/99999/samples' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<Json>().message, 'no epoch 99999');
  } finally {
    await t.close();
  }
});

test('GET /api/v1/variants and /api/v1/campaigns(/:id)', async () => {
  const t = await makeApp();
  try {
    const empty = await t.app.inject({ method: 'GET', url: '/api/v1/variants' });
    assert.deepEqual(empty.json(), { variants: [] });
    const { campaign } = seed(t.store);
    const variants = (await t.app.inject({ method: 'GET', url: '/api/v1/variants' })).json<{ variants: Json[] }>();
    assert.deepEqual(
      variants.variants.map((v) => [
        v.name,
        v.allocator,
        v.campaigns,
        v.epochs,
        v.epochs_completed,
        v.last_started_at,
        v.in_running_campaign,
      ]),
      [
        ['lean', 'glibc', 1, 3, 2, '2026-01-01T00:05:00.000Z', false],
        ['speed', 'glibc', 1, 3, 3, '2026-01-01T00:04:00.000Z', false],
      ],
    );

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/campaigns' });
    assert.equal(list.statusCode, 200);
    const campaigns = list.json<{ campaigns: Json[] }>().campaigns;
    assert.equal(campaigns.length, 1);
    assert.deepEqual(
      { ...campaigns[0], started_at: undefined },
      {
        id: campaign,
        name: 'seeded',
        source: 'test',
        status: 'running',
        epochs_per_variant: 3,
        started_at: undefined,
        ended_at: null,
        variants: ['speed', 'lean'],
        epochs: 6,
        running: false,
      },
    );
    t.store.campaigns.finish(campaign, 'completed');
    const done = (await t.app.inject({ method: 'GET', url: '/api/v1/campaigns?status=completed&limit=5' })).json<{ campaigns: Json[] }>();
    assert.deepEqual(
      done.campaigns.map((c) => c.id),
      [campaign],
    );
    const running = (await t.app.inject({ method: 'GET', url: '/api/v1/campaigns?status=running' })).json<{ campaigns: Json[] }>();
    assert.deepEqual(running.campaigns, []);

    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign}` });
    assert.equal(detail.statusCode, 200);
    const d = detail.json<Json & { plan: Json; variant_configs: Json[]; epoch_counts: Json[] }>();
    assert.equal(d.status, 'completed');
    assert.equal(d.plan.epoch_ms, 1000);
    assert.equal(d.plan.interval_ms, 100);
    assert.deepEqual(
      d.variant_configs.map((v) => [v.name, v.allocator]),
      [
        ['speed', 'glibc'],
        ['lean', 'glibc'],
      ],
    );
    assert.deepEqual(d.epoch_counts, [
      { variant: 'lean', outcome: 'completed', count: 2 },
      { variant: 'lean', outcome: 'crashed', count: 1 },
      { variant: 'speed', outcome: 'completed', count: 3 },
    ]);

    for (const [url, code, re] of [
      ['/api/v1/campaigns/77', 404, /^no campaign 77$/],
      ['/api/v1/campaigns/first', 400, /^params\/id must be integer$/],
      ['/api/v1/campaigns?status=paused', 400, /^querystring\/status must be one of running, completed, stopped, interrupted$/],
      ['/api/v1/campaigns?limit=-1', 400, /^querystring\/limit must be >= 1$/],
      ['/api/v1/campaigns?limit=many', 400, /^querystring\/limit must be integer$/],
      ['/api/v1/nope', 404, /^no route GET \/api\/v1\/nope/],
      ['/api/v2/epochs', 404, /^no route GET \/api\/v2\/epochs/],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, code, url);
      assert.match(r.json<Json>().message as string, re, url);
    }
  } finally {
    await t.close();
  }
});

test('the API schema knows exactly the domain outcomes (it is built from OUTCOMES, as JSON Schema enum)', () => {
  assert.deepEqual((Outcome as unknown as { enum: string[] }).enum, [...OUTCOMES]);
});
