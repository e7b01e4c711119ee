/**
 * GET /compare, /drift and /history say what they were judged on (`judged`: at, stamp, fresh), through the
 * routes' own schemas and serializer, on a real SQLite file judged by the worker: after an epoch ends the
 * first request gets the previous answer marked `fresh: false`, and a later one the new answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Static } from 'typebox';
import type { Judged as JudgedSchema } from '../../src/http/schemas/common.js';
import type { Judged } from '../../src/verdicts/index.js';
import { makeApp, seed } from './helpers.js';

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;

interface Answer {
  judged: Judged;
  [field: string]: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('compare, drift and history carry `judged`: stale once right after an epoch ends, then fresh', async () => {
  // The schema and the reader's type name the same fields (fails to compile otherwise).
  const same: SameKeys<Static<typeof JudgedSchema>, Judged> = true;
  assert.equal(same, true);
  const t = await makeApp();
  try {
    const s = seed(t.store);
    const routes = ['/api/v1/compare?baseline=speed&candidate=lean', '/api/v1/drift?variant=lean', '/api/v1/history?variant=lean'];
    const get = async (url: string): Promise<Answer> => {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Answer>();
    };
    const first = await Promise.all(routes.map(get));
    const stamp = t.store.epochs.stamp();
    for (const [i, a] of first.entries()) {
      assert.deepEqual(Object.keys(a.judged).sort(), ['at', 'fresh', 'stamp'], routes[i]);
      assert.equal(a.judged.fresh, true, `${routes[i]}: the first answer waits for its judgement`);
      assert.equal(a.judged.stamp, stamp, routes[i]);
      assert.ok(Number.isFinite(Date.parse(a.judged.at)), a.judged.at);
    }

    // An epoch of lean starts and ends.
    const vid = t.store.variants.listForCampaign(s.campaign).find((v) => v.name === 'lean')!.id;
    const id = t.store.epochs.start({
      campaign_id: s.campaign,
      variant_id: vid,
      variant: 'lean',
      round: 4,
      planned_ms: 1000,
      warmup_ms: 0,
      interval_ms: 100,
    });
    t.store.epochs.finish(id, { outcome: 'completed', throughput_mean: 5e6, rss_initial_bytes: 1 << 20, rss_drift_pct: 0.5 });

    const stale = await Promise.all(routes.map(get));
    for (const [i, a] of stale.entries()) {
      assert.deepEqual(a.judged, { ...(first[i] as Answer).judged, fresh: false }, `${routes[i]}: the previous answer, marked`);
      const { judged: _a, ...was } = first[i] as Answer;
      const { judged: _b, ...is } = a;
      assert.deepEqual(is, was, routes[i]);
    }

    // Later: the new answers, judged at the current stamp (lean's new epoch counted).
    const now = t.store.epochs.stamp();
    const fresh: Answer[] = [];
    for (const url of routes) {
      let a = await get(url);
      for (let tries = 0; !a.judged.fresh && tries < 500; tries++) {
        await sleep(20);
        a = await get(url);
      }
      fresh.push(a);
    }
    for (const [i, a] of fresh.entries()) {
      assert.equal(a.judged.fresh, true, routes[i]);
      assert.equal(a.judged.stamp, now, routes[i]);
    }
    const [compare, drift] = fresh as [Answer, Answer];
    assert.equal(
      (compare['epochs'] as { candidate: { completed: number } }).candidate.completed,
      ((first[0] as Answer)['epochs'] as { candidate: { completed: number } }).candidate.completed + 1,
    );
    assert.equal((drift['epochs'] as unknown[]).length, ((first[1] as Answer)['epochs'] as unknown[]).length + 1);
  } finally {
    await t.close();
  }
});
