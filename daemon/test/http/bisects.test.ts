/** GET /bisects and /bisects/:id over a real SQLite file holding bisect runs written through store.bisects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BisectDetail, BisectListResponse } from '../../src/http/schemas/bisects.js';
import { FOUND_COMMITS, FOUND_MESSAGE, RUNNING_COMMITS, seedBisects } from '../helpers/bisects.js';
import { makeApp, TOKEN } from './helpers.js';

type Json = Record<string, unknown>;

test('GET /bisects: none stored is an empty list', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/bisects' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { bisects: [] });
  } finally {
    await t.close();
  }
});

test('GET /bisects: runs newest first, each with its range, culprit (subject, parent), counts; no token needed', async () => {
  // A token is configured: reads must still answer without it.
  const t = await makeApp({ token: TOKEN }, { logRequests: false });
  try {
    const s = seedBisects(t.store);
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/bisects' });
    assert.equal(r.statusCode, 200);
    const { bisects } = r.json<BisectListResponse>();
    assert.deepEqual(
      bisects.map((b) => [b.id, b.status, b.goal]),
      [
        [s.running, 'running', 'memory'],
        [s.found, 'found', 'speed'],
      ],
    );
    const [running, found] = bisects;
    assert.deepEqual(found, {
      id: s.found,
      repo: '/home/dev/leanmalloc',
      good: 'v1.4',
      bad: 'main',
      good_commit: FOUND_COMMITS.A,
      bad_commit: FOUND_COMMITS.E,
      goal: 'speed',
      status: 'found',
      culprit: { commit: FOUND_COMMITS.D.commit, subject: FOUND_COMMITS.D.subject, parent: FOUND_COMMITS.C },
      message: FOUND_MESSAGE,
      started_at: '2026-11-28T21:00:00.000Z',
      ended_at: '2026-11-28T22:40:00.000Z',
      commit_count: 5,
      step_count: 5,
    });
    assert.equal(running?.culprit, null);
    assert.equal(running?.ended_at, null);
    assert.equal(running?.message, null);
    assert.deepEqual([running?.good_commit, running?.bad_commit], [RUNNING_COMMITS.X, RUNNING_COMMITS.Z]);
    assert.deepEqual([running?.commit_count, running?.step_count], [3, 2]);

    const one = await t.app.inject({ method: 'GET', url: '/api/v1/bisects?limit=1' });
    assert.deepEqual(
      one.json<BisectListResponse>().bisects.map((b) => b.id),
      [s.running],
    );
  } finally {
    await t.close();
  }
});

test('GET /bisects/:id: the range oldest first with what each commit is known as, every step in order with its figures and campaign', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const s = seedBisects(t.store);
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/bisects/${s.found}` });
    assert.equal(r.statusCode, 200);
    const run = r.json<BisectDetail>();
    assert.equal(run.id, s.found);
    assert.equal(run.build_command, 'make -C native lib');
    assert.equal(run.library, 'native/build/libleanmalloc.so');
    assert.equal(run.culprit?.commit, FOUND_COMMITS.D.commit);
    const F = FOUND_COMMITS;
    const ids = run.steps.map((st) => st.id);
    // C was probed (unclear) then confirmed (good): the last step says what it is. A is the good build itself, never a step.
    assert.deepEqual(
      run.commits.map((c) => [c.commit, c.subject, c.state, c.step_ids]),
      [
        [F.A.commit, F.A.subject, 'untested', []],
        [F.B.commit, F.B.subject, 'skip', [ids[3]]],
        [F.C.commit, F.C.subject, 'good', [ids[1], ids[4]]],
        [F.D.commit, F.D.subject, 'bad', [ids[2]]],
        [F.E.commit, F.E.subject, 'bad', [ids[0]]],
      ],
    );
    assert.deepEqual(
      run.steps.map((st) => [st.commit_sha, st.subject, st.role, st.build_ok, st.verdict, st.outcome, st.pairs]),
      [
        [F.E.commit, F.E.subject, 'endpoint', true, 'NO-GO', 'bad', 7],
        [F.C.commit, F.C.subject, 'probe', true, 'INSUFFICIENT', 'unclear', 4],
        [F.D.commit, F.D.subject, 'probe', true, 'NO-GO', 'bad', 7],
        [F.B.commit, F.B.subject, 'probe', false, null, 'skip', null],
        [F.C.commit, F.C.subject, 'confirm', true, 'NEUTRAL', 'good', 9],
      ],
    );
    assert.ok(
      ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      'steps in the order they ran',
    );
    const endpoint = run.steps[0]!;
    assert.deepEqual(
      [endpoint.measure, endpoint.ratio, endpoint.ratio_lo, endpoint.ratio_hi, endpoint.build_note],
      ['throughput per CPU-second', 0.952, 0.947, 0.958, null],
    );
    assert.equal('run_id' in endpoint, false, 'the run is the answer itself');
    const failed = run.steps[3]!;
    assert.deepEqual(
      [failed.build_note, failed.campaign_id, failed.ratio, failed.library_sha256],
      ['exit 2: src/slab.c:88: error: unknown type name size_class_t', null, null, null],
    );
    // Each built step names the campaign that judged it, which the campaign route serves.
    assert.deepEqual(
      run.steps.map((st) => st.campaign_id).filter((c) => c !== null),
      s.foundCampaigns,
    );
    for (const c of s.foundCampaigns) {
      const campaign = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${c}` });
      assert.equal(campaign.statusCode, 200);
      assert.equal(campaign.json<Json>().source, 'bisect');
    }

    const running = (await t.app.inject({ method: 'GET', url: `/api/v1/bisects/${s.running}` })).json<BisectDetail>();
    assert.equal(running.status, 'running');
    assert.deepEqual(
      running.commits.map((c) => c.state),
      ['untested', 'skip', 'bad'],
    );
    assert.deepEqual(
      running.steps.map((st) => [st.measure, st.ratio, st.campaign_id]),
      [
        ['held RSS', 1.12, s.runningCampaign],
        [null, null, null],
      ],
    );
  } finally {
    await t.close();
  }
});

test('GET /bisects/:id: 404 for an unknown run, 400 naming the parameter for a bad id or query', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    seedBisects(t.store);
    for (const [url, code, message] of [
      ['/api/v1/bisects/99', 404, /^no bisect run 99$/],
      ['/api/v1/bisects/first', 400, /^params\/id must be integer$/],
      ['/api/v1/bisects/1.5', 400, /^params\/id must be integer$/],
      ['/api/v1/bisects/0', 400, /^params\/id must be >= 1$/],
      ['/api/v1/bisects?limit=0', 400, /^querystring\/limit must be >= 1$/],
      ['/api/v1/bisects?limit=many', 400, /^querystring\/limit must be integer$/],
      ['/api/v1/bisects?status=found', 400, /^querystring: unknown parameter "status"$/],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, code, url);
      assert.match(r.json<Json>().message as string, message, url);
    }
  } finally {
    await t.close();
  }
});
