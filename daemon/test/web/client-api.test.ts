/**
 * The web page's REST client (daemon/src/web/client/api.ts) in Node, against the real daemon app listening on
 * a port: what the page gets for every answer it reads, and the answers it must refuse. The page asks for
 * relative URLs (/api/v1/...); here they are resolved against the test server, nothing else is changed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PAGE_RESPONSE_SCHEMAS, PAGE_SCHEMAS_URL, type PageResponses } from '../../src/http/schemas/page.js';
import {
  ApiError,
  fetchBisect,
  fetchBisects,
  fetchCampaign,
  fetchCampaigns,
  fetchCompare,
  fetchDrift,
  fetchEpoch,
  fetchEpochs,
  fetchSamples,
  fetchStatus,
  get,
} from '../../src/web/client/api.js';
import { FOUND_COMMITS, seedBisects } from '../helpers/bisects.js';
import { waitFor } from '../helpers/proc.js';
import { auth, makeApp, quickPlan, seed, TOKEN } from '../http/helpers.js';

const VERDICTS = ['GO', 'NEUTRAL', 'NO-GO', 'INSUFFICIENT'];

/**
 * Resolves the page's relative URLs against `base` for the rest of the test; `rewrite`, when given, replaces
 * the JSON of the answers it is asked about.
 */
function servePageFrom(t: TestContext, base: string, rewrite?: (url: string, body: unknown) => unknown): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const res = await realFetch(typeof input === 'string' ? new URL(input, base) : input, init);
    if (rewrite === undefined || typeof input !== 'string' || !res.ok) return res;
    return new Response(JSON.stringify(rewrite(input, await res.json())), { status: res.status, headers: res.headers });
  };
  t.after(() => {
    globalThis.fetch = realFetch;
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("the page's reads of a real daemon: campaigns, epochs, one epoch, samples, status, verdicts", async (t) => {
  const a = await makeApp({}, { logRequests: false });
  t.after(() => a.close());
  const { campaign, ids } = seed(a.store);
  const crashed = ids['lean']![2]!;
  for (const t_ms of [300, 100, 200]) {
    a.store.samples.add(crashed, {
      t_ms,
      ops: t_ms * 10,
      ops_per_sec: 1e5,
      rss_bytes: 1 << 20,
      hwm_bytes: null,
      rss_anon_bytes: null,
      pss_bytes: null,
      lazyfree_bytes: null,
      cpu_ms: null,
      counters: {},
    });
  }
  servePageFrom(t, await a.app.listen({ port: 0, host: '127.0.0.1' }));

  const campaigns = await fetchCampaigns();
  assert.equal(campaigns.length, 1);
  assert.equal(campaigns[0]?.id, campaign);
  assert.equal(campaigns[0]?.name, 'seeded');
  assert.deepEqual(campaigns[0]?.variants, ['speed', 'lean']);
  const detail = await fetchCampaign(campaign);
  assert.deepEqual({ ...campaigns[0], ...detail }, detail, 'the detail holds the listed summary');
  assert.deepEqual(detail.plan.comparisons, []);
  assert.equal(detail.plan.reference, null);

  const epochs = await fetchEpochs(campaign);
  assert.deepEqual(
    epochs.map((e) => e.id),
    [ids['lean']![2], ids['speed']![2], ids['lean']![1], ids['speed']![1], ids['lean']![0], ids['speed']![0]],
    'newest first',
  );
  const last = epochs[0]!;
  assert.equal(last.variant, 'lean');
  assert.equal(last.outcome, 'crashed');
  assert.equal(last.throughput_mean, 5e6 + 3);
  assert.equal(last.rss_final_bytes, (1 << 20) + 3);
  assert.equal(last.rss_drift_pct, 0.5);
  assert.equal(last.lean_decommit, 3);
  assert.equal(last.lean_retire, null, 'a NULL column stays null');
  assert.deepEqual(
    (await fetchEpochs(campaign, '2026-01-01T00:04:00Z')).map((e) => e.id),
    [ids['lean']![2], ids['speed']![2]],
    'since: only epochs started at or after it',
  );

  const epoch = await fetchEpoch(crashed);
  assert.equal(epoch.outcome, 'crashed');
  assert.equal(epoch.signal, 'SIGSEGV');
  assert.equal(epoch.outcome_reason, 'killed by SIGSEGV');
  assert.equal(epoch.stderr_tail, 'boom: segfault at 0x0\n');
  assert.equal(epoch.planned_ms, 1000);
  assert.equal(epoch.round, 3);
  assert.deepEqual(epoch.host && [epoch.host.hostname, epoch.host.kernel, epoch.host.cpu_model], ['box', '6.1.0', 'Test CPU']);

  const series = await fetchSamples(crashed);
  assert.deepEqual(
    series.samples.map((s) => s.t_ms),
    [100, 200, 300],
    'in time order',
  );
  assert.equal(series.samples[0]?.ops_per_sec, 1e5);
  assert.equal(series.samples[0]?.rss_bytes, 1 << 20);
  assert.equal(series.warmup_ms, 0);
  assert.equal(series.outcome, 'crashed');
  assert.deepEqual(
    (await fetchSamples(crashed, 100)).samples.map((s) => s.t_ms),
    [200, 300],
    'only the samples after the given t_ms',
  );

  const status = await fetchStatus();
  assert.equal(status.state, 'idle');
  assert.equal(status.current_epoch, null);

  const verdict = await fetchCompare('speed', 'lean', campaign);
  assert.ok(VERDICTS.includes(verdict.verdict), verdict.verdict);
  assert.ok(verdict.reasons.length > 0 && verdict.reasons.every((r) => typeof r.message === 'string' && r.message !== ''));
  const drift = await fetchDrift('speed', campaign);
  assert.equal(drift.variant, 'speed');
  assert.equal(drift.leak, false);
  assert.ok(drift.reasons.length > 0);
});

test("a running campaign's status and live samples, as the page polls them", async (t) => {
  const a = await makeApp({ token: TOKEN }, { logRequests: false });
  t.after(() => a.close());
  servePageFrom(t, await a.app.listen({ port: 0, host: '127.0.0.1' }));
  const started = await a.app.inject({
    method: 'POST',
    url: '/api/v1/campaigns',
    headers: auth(),
    payload: { plan: quickPlan('polled'), epochs_per_variant: 1 },
  });
  assert.equal(started.statusCode, 201, started.body);
  const status = await waitFor('a running epoch with a sample', async () => {
    const s = await fetchStatus();
    return s.current_epoch?.last_sample ? s : undefined;
  });
  assert.equal(status.state, 'running');
  assert.equal(status.campaign?.name, 'polled');
  assert.equal(status.current_epoch?.variant, 'qa');
  const live = await fetchSamples(status.current_epoch.id);
  assert.ok(live.samples.length >= 1);
  assert.equal(live.outcome, 'running');
  const stop = await a.app.inject({ method: 'POST', url: `/api/v1/campaigns/${status.campaign.id}/stop`, headers: auth() });
  assert.equal(stop.statusCode, 200, stop.body);
});

test('a refused request is an ApiError with the status and the daemon’s message', async (t) => {
  const a = await makeApp({}, { logRequests: false });
  t.after(() => a.close());
  seed(a.store);
  servePageFrom(t, await a.app.listen({ port: 0, host: '127.0.0.1' }));
  await assert.rejects(get('/epochs', {}, { variant: 'ghost' }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(err.unreachable, false);
    assert.match(err.message, /^400: .*unknown variant "ghost"/);
    assert.match(err.url, /^\/api\/v1\/epochs\?variant=ghost$/);
    return true;
  });
  await assert.rejects(fetchEpoch(999_999), (err: unknown) => err instanceof ApiError && err.status === 404);
});

test("the page's reads of bisect runs: the list newest first, one run's range and steps, an unknown run a 404", async (t) => {
  const a = await makeApp({}, { logRequests: false });
  t.after(() => a.close());
  servePageFrom(t, await a.app.listen({ port: 0, host: '127.0.0.1' }));
  assert.deepEqual(await fetchBisects(), [], 'an empty database has none');
  const s = seedBisects(a.store);
  assert.deepEqual(
    (await fetchBisects()).map((r) => [r.id, r.status, r.culprit?.commit ?? null]),
    [
      [s.running, 'running', null],
      [s.found, 'found', FOUND_COMMITS.D.commit],
    ],
  );
  const run = await fetchBisect(s.found);
  assert.deepEqual(
    run.steps.map((st) => st.campaign_id),
    [s.foundCampaigns[0], s.foundCampaigns[1], s.foundCampaigns[2], null, s.foundCampaigns[3]],
  );
  assert.equal(run.commits.length, 5);
  await assert.rejects(
    fetchBisect(999),
    (err: unknown) => err instanceof ApiError && err.status === 404 && /no bisect run 999/.test(err.message),
  );
});

test('no daemon at all is an unreachable ApiError', async (t) => {
  const server = createServer();
  const base = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  servePageFrom(t, base);
  await assert.rejects(fetchStatus(), (err: unknown) => err instanceof ApiError && err.unreachable && err.status === null);
});

test("an answer unlike the daemon's schema is refused, naming where: not a garbled page", async (t) => {
  const a = await makeApp({}, { logRequests: false });
  t.after(() => a.close());
  const { campaign } = seed(a.store);
  servePageFrom(t, await a.app.listen({ port: 0, host: '127.0.0.1' }), (url, body) => {
    if (!url.startsWith('/api/v1/epochs?')) return body;
    const changed = structuredClone(body as PageResponses['/epochs']);
    (changed.epochs[3] as Record<string, unknown>).rss_peak_bytes = '2 MiB';
    return changed;
  });
  await assert.rejects(fetchEpochs(campaign), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.unreachable, false);
    assert.match(
      err.message,
      /does not match the daemon's schema: \$\.epochs\[3\]\.rss_peak_bytes: expected number or null, got string "2 MiB"$/,
    );
    return true;
  });
  assert.equal((await fetchCampaign(campaign)).id, campaign, 'other answers are still read');
});

test('answers the page cannot use are refused, not shown: not JSON, or without the fields it needs', async (t) => {
  const answers: Record<string, string> = {
    [PAGE_SCHEMAS_URL]: JSON.stringify(PAGE_RESPONSE_SCHEMAS),
    '/api/v1/status': '<html>a proxy error page</html>',
    '/api/v1/epochs': JSON.stringify({ epochs: [{ variant: 'speed', outcome: 'completed' }] }),
    '/api/v1/compare': JSON.stringify({ reasons: [] }),
  };
  const server = createServer((req, res) => {
    const body = answers[(req.url ?? '').split('?')[0] ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body ?? '{}');
  });
  const base = await listen(server);
  t.after(() => new Promise((resolve) => server.close(resolve)));
  servePageFrom(t, base);
  await assert.rejects(fetchStatus(), (err: unknown) => err instanceof ApiError && /not JSON/.test(err.message));
  await assert.rejects(fetchEpochs(1), /\$\.epochs\[0\]\.id: expected integer, got nothing$/, 'an epoch without its id');
  await assert.rejects(fetchCompare('a', 'b', 1), /\$\.baseline: expected string, got nothing$/, 'a comparison without its fields');
});
