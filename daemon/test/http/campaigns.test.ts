/** POST /campaigns and /campaigns/:id/stop with real short epochs (random_mixed under glibc). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE } from '../helpers/native.js';
import { waitFor } from '../helpers/proc.js';
import { auth, makeApp, quickPlan, seed, TOKEN } from './helpers.js';

type Json = Record<string, unknown>;

test('POST /campaigns: malformed bodies and plans are 400s naming the field, PlanError problems listed', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    const post = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: auth(), payload: payload as Json });
    for (const [payload, re] of [
      [{}, /^body\/plan is required$/],
      [{ plan: 'epoch: 1s' }, /^body\/plan must be object$/],
      [{ plan: quickPlan(), colour: 'red' }, /^body: unknown field "colour"$/],
      [{ plan: quickPlan(), epochs_per_variant: 0 }, /^body\/epochs_per_variant must be >= 1/],
      [{ plan: quickPlan(), epochs_per_variant: 'x' }, /^body\/epochs_per_variant must be integer/],
      [{ plan: quickPlan(), epochs_per_variant: null }, /^body\/epochs_per_variant must be /],
    ] as const) {
      const r = await post(payload);
      assert.equal(r.statusCode, 400, JSON.stringify(payload));
      assert.match(r.json<Json>().message as string, re, JSON.stringify(payload));
    }
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'plan=x',
    });
    assert.equal(form.statusCode, 415);
    assert.match(form.json<Json>().message as string, /application\/x-www-form-urlencoded/);
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: '{"plan": ',
    });
    assert.equal(notJson.statusCode, 400);

    const bad = await post({
      plan: {
        epoch: 'soon',
        interval: '1ms',
        variants: [
          { name: 'a', allocator: 'nosuchalloc' },
          { name: 'a', allocator: 'glibc' },
        ],
        bogus: 1,
      },
    });
    assert.equal(bad.statusCode, 400);
    const body = bad.json<{ message: string; problems: Array<{ source: string; path: string; expected: string; got: string }> }>();
    assert.match(body.message, /^malformed plan: api: /);
    const paths = body.problems.map((p) => p.path);
    for (const p of ['bogus', 'epoch', 'interval', 'variants[0].allocator', 'variants[1].name'])
      assert.ok(paths.includes(p), `${p} not in ${paths.join(', ')}`);
    assert.ok(body.problems.every((p) => p.source === 'api' && p.expected.length > 0));
    assert.equal(t.controller.status().state, 'idle');
    assert.equal(t.store.campaigns.list().length, 0, 'nothing stored');
  } finally {
    await t.close();
  }
});

test('POST /campaigns: commands, library paths, LD_* and non-knob env are 403 without --allow-commands; validation first', async () => {
  const t = await makeApp({ token: TOKEN, allowCommands: false });
  try {
    const post = (plan: Json) =>
      t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: auth(), payload: { plan, epochs_per_variant: 1 } });
    for (const [variant, feature] of [
      [{ name: 'c', command: [FIXTURE, '--mode', 'ok'] }, 'variants[0].command'],
      [{ name: 'p', allocator: '/usr/lib/x86_64-linux-gnu/libc.so.6' }, 'variants[0].allocator'],
      [{ name: 'l', allocator: 'glibc', env: { LD_LIBRARY_PATH: '/tmp/evil' } }, 'variants[0].env.LD_LIBRARY_PATH'],
      [{ name: 'g', allocator: 'glibc', env: { GCONV_PATH: '/tmp' } }, 'variants[0].env.GCONV_PATH'],
    ] as const) {
      const r = await post({ epoch: '1s', warmup: '0s', interval: '100ms', variants: [variant] });
      assert.equal(r.statusCode, 403, JSON.stringify(variant));
      const body = r.json<{ message: string; features: string[] }>();
      assert.deepEqual(body.features, [feature]);
      assert.match(body.message, /--allow-commands/);
      assert.ok(body.message.includes(feature));
    }
    // a malformed plan that also asks for a command is a 400 (validation comes first)
    const both = await post({ epoch: 'never', variants: [{ name: 'c', command: [FIXTURE] }] });
    assert.equal(both.statusCode, 400);
    assert.deepEqual(
      both.json<{ problems: Array<{ path: string }> }>().problems.map((p) => p.path),
      ['epoch'],
    );
    assert.equal(t.store.campaigns.list().length, 0, 'nothing was started');
  } finally {
    await t.close();
  }
});

test('with --allow-commands a plan may run a custom command', async () => {
  const t = await makeApp({ token: TOKEN, allowCommands: true });
  try {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: auth(),
      payload: {
        plan: {
          name: 'custom',
          epoch: '600ms',
          warmup: '100ms',
          interval: '100ms',
          variants: [{ name: 'fixture', command: [FIXTURE, '--mode', 'ok'], env: { FOO: '1' } }],
        },
        epochs_per_variant: 1,
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    await t.controller.whenIdle();
    const epochs = t.store.epochs.list({ campaign: r.json<{ campaign: { id: number } }>().campaign.id });
    assert.deepEqual(
      epochs.map((e) => [e.variant, e.outcome]),
      [['fixture', 'completed']],
    );
  } finally {
    await t.close();
  }
});

test('POST /campaigns runs a real finite campaign; /status follows it; 409 while it runs; stop 404/409', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    const old = seed(t.store).campaign;
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: auth(),
      payload: { plan: quickPlan('finite'), epochs_per_variant: 1 },
    });
    assert.equal(r.statusCode, 201, r.body);
    const started = r.json<{ campaign: Json & { id: number }; warnings: string[]; skipped: string[] }>();
    const id = started.campaign.id;
    assert.equal(r.headers.location, `/api/v1/campaigns/${id}`);
    assert.deepEqual(
      { ...started.campaign, started_at: undefined, epochs: undefined },
      {
        id,
        name: 'finite',
        source: 'api',
        status: 'running',
        epochs_per_variant: 1,
        started_at: undefined,
        ended_at: null,
        variants: ['qa', 'qb'],
        epochs: undefined,
        running: true,
      },
    );
    assert.deepEqual(started.warnings, []);
    assert.equal(t.store.campaigns.get(old)!.status, 'interrupted', 'a campaign left running in the database was cut');

    // one campaign at a time
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: auth(), payload: { plan: quickPlan('second') } });
    assert.equal(again.statusCode, 409);
    const conflict = again.json<Json>();
    assert.equal(conflict.running_campaign_id, id);
    assert.match(
      conflict.message as string,
      new RegExp(`^campaign ${id} \\("finite"\\) is running; .* POST /api/v1/campaigns/${id}/stop$`),
    );
    const stopOld = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${old}/stop`, headers: auth() });
    assert.equal(stopOld.statusCode, 409);
    assert.match(
      stopOld.json<Json>().message as string,
      new RegExp(`^campaign ${old} is not running \\(status interrupted\\); campaign ${id} is$`),
    );
    const stopMissing = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns/9999/stop', headers: auth() });
    assert.equal(stopMissing.statusCode, 404);
    const variants = (await t.app.inject({ method: 'GET', url: '/api/v1/variants' })).json<{ variants: Json[] }>();
    assert.deepEqual(
      variants.variants.filter((v) => v.in_running_campaign).map((v) => v.name),
      ['qa', 'qb'],
    );

    // /status: the running epoch with a live sample, and the variant that follows it
    const live = await waitFor('a live sample', async () => {
      const s = (await t.app.inject({ method: 'GET', url: '/api/v1/status' })).json<
        Json & {
          current_epoch: (Json & { last_sample: Json | null }) | null;
          campaign: Json | null;
        }
      >();
      return s.current_epoch?.last_sample != null ? s : undefined;
    });
    assert.equal(live.state, 'running');
    const ce = live.current_epoch!;
    const first = ce.variant === 'qa';
    assert.deepEqual(live.campaign, {
      id,
      name: 'finite',
      source: 'api',
      variants: ['qa', 'qb'],
      epochs_per_variant: 1,
      epochs_started: first ? 1 : 2,
      epochs_total: 2,
      next_round_at: null,
      resumed: false,
    });
    assert.equal(ce.round, 1);
    assert.equal(ce.index, first ? 0 : 1);
    assert.equal(ce.planned_ms, 1500);
    assert.ok(typeof ce.elapsed_ms === 'number' && ce.elapsed_ms >= 0 && ce.elapsed_ms < 60_000, `elapsed_ms ${String(ce.elapsed_ms)}`);
    assert.ok((ce.last_sample!.ops_per_sec as number) > 0, 'ops/s of the last sample');
    assert.equal(live.next_variant, first ? 'qb' : null);

    // the second epoch: qb, nothing after it
    const second = await waitFor('the second epoch', async () => {
      const s = (await t.app.inject({ method: 'GET', url: '/api/v1/status' })).json<Json & { current_epoch: Json | null }>();
      return s.current_epoch?.variant === 'qb' || s.state === 'idle' ? s : undefined;
    });
    if (second.state !== 'idle') assert.equal(second.next_variant, null);

    await t.controller.whenIdle();
    const done = (await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${id}` })).json<Json & { epoch_counts: Json[] }>();
    assert.equal(done.status, 'completed');
    assert.equal(done.running, false);
    assert.deepEqual(done.epoch_counts, [
      { variant: 'qa', outcome: 'completed', count: 1 },
      { variant: 'qb', outcome: 'completed', count: 1 },
    ]);
    const status = (await t.app.inject({ method: 'GET', url: '/api/v1/status' })).json<Json>();
    assert.equal(status.state, 'idle');
    assert.deepEqual(status.last_campaign, { id, status: 'completed' });

    // the real epochs over REST: summary, detail with host metadata, samples
    const epochs = (await t.app.inject({ method: 'GET', url: `/api/v1/epochs?campaign=${id}` })).json<{
      epochs: Array<Json & { id: number }>;
    }>();
    assert.deepEqual(
      epochs.epochs.map((e) => [e.variant, e.outcome]),
      [
        ['qb', 'completed'],
        ['qa', 'completed'],
      ],
    );
    assert.ok((epochs.epochs[0]!.throughput_mean as number) > 0);
    const detail = (await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${epochs.epochs[1]!.id}` })).json<Json & { host: Json }>();
    assert.ok((detail.host.cores as number) >= 1);
    assert.equal(typeof detail.host.kernel, 'string');
    assert.equal(detail.stderr_tail, '');
    assert.equal(detail.stderr_lines, 0);
    assert.equal(detail.allocator_reported, 'glibc');
    // random_mixed maps its ring and the loader maps libraries: a counted epoch has memory syscalls.
    assert.ok(typeof detail.syscalls_total === 'number' && detail.syscalls_total > 0, `syscalls_total ${String(detail.syscalls_total)}`);
    const samples = (await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${epochs.epochs[1]!.id}/samples?max_points=5` })).json<{
      total_samples: number;
      samples: Json[];
    }>();
    assert.ok(samples.total_samples >= 5, `${samples.total_samples} samples`);
    assert.equal(samples.samples.length, 5);

    const stopDone = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${id}/stop`, headers: auth() });
    assert.equal(stopDone.statusCode, 409);
    assert.equal(stopDone.json<Json>().message, `campaign ${id} is not running (status completed)`);
  } finally {
    await t.close();
  }
});

test('POST /campaigns/:id/stop ends a continuous campaign: epoch aborted, campaign stopped; then a new one may start', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: auth(),
      payload: { plan: { ...quickPlan('forever'), epoch: '30s' } },
    });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json<{ campaign: { id: number; epochs_per_variant: number | null } }>().campaign.id;
    assert.equal(r.json<{ campaign: { epochs_per_variant: number | null } }>().campaign.epochs_per_variant, null);
    // /status shows the last sample's ops/s and RSS (what the progress line and the web page show)
    const live = await waitFor('a sample with RSS', async () => {
      const s = (await t.app.inject({ method: 'GET', url: '/api/v1/status' })).json<{
        current_epoch: { variant: string; last_sample: Json | null } | null;
        next_variant: string | null;
      }>();
      return s.current_epoch?.last_sample?.rss_bytes != null ? s : undefined;
    });
    // Normally qa's first epoch; on a very busy machine qa may have missed its first samples' deadline
    // (a timeout, as the daemon rules) and qb run next: the stop must work on whichever runs.
    const running = live.current_epoch!.variant;
    assert.ok((live.current_epoch!.last_sample!.rss_bytes as number) > 100_000);
    assert.ok((live.current_epoch!.last_sample!.ops_per_sec as number) > 0);
    assert.equal(live.next_variant, running === 'qa' ? 'qb' : 'qa', 'continuous: the variants take turns');
    const stop = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${id}/stop`, headers: auth() });
    assert.equal(stop.statusCode, 200, stop.body);
    const c = stop.json<{ campaign: Json }>().campaign;
    assert.equal(c.status, 'stopped');
    assert.equal(c.running, false);
    const epochs = t.store.epochs.list({ campaign: id });
    assert.equal(c.epochs, epochs.length);
    assert.equal(epochs[0]?.variant, running);
    assert.equal(epochs[0]?.outcome, 'aborted', 'the running epoch is aborted');
    assert.ok(!epochs.some((e) => e.outcome === 'running'));
    assert.equal(t.controller.status().state, 'idle');

    const next = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: auth(),
      payload: { plan: quickPlan('next'), epochs_per_variant: 1 },
    });
    assert.equal(next.statusCode, 201, 'a new campaign may start once the old one stopped');
    const nextId = next.json<{ campaign: { id: number } }>().campaign.id;
    const stopNext = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${nextId}/stop`, headers: auth() });
    assert.equal(stopNext.statusCode, 200);
  } finally {
    await t.close();
  }
});
