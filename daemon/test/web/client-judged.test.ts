/**
 * The note under the page's verdicts (daemon/src/web/client/judged.ts): when they were judged, and whether the
 * daemon was judging them again — against the real daemon app (a database file, so judgements run on the
 * verdict worker and an answer can be a stale one), through the page's own REST client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { fetchCompare, fetchDrift } from '../../src/web/client/api.js';
import { judgedNote, judgedOf, STALE_RETRY_MS, type Judged } from '../../src/web/client/judged.js';
import { clockTime } from '../../src/domain/format.js';
import { makeApp, seed } from '../http/helpers.js';

const at = (iso: string, fresh: boolean): Judged => ({ at: iso, stamp: 's', fresh });

test('the note names the oldest judgement shown, and says when one is being judged again', () => {
  assert.deepEqual(judgedNote([], 4, 30), { text: '', stale: false }, 'nothing judged, nothing said');
  const fresh = judgedNote([at('2026-11-29T10:00:05Z', true), at('2026-11-29T10:00:01Z', true)], 4, 30);
  assert.equal(fresh.stale, false);
  assert.match(fresh.text, new RegExp(`^Judged at ${clockTime('2026-11-29T10:00:01Z')} on 4 finished epoch\\(s\\)`));
  const stale = judgedNote([at('2026-11-29T10:00:05Z', true), at('2026-11-29T09:00:00Z', false)], 5, 30);
  assert.equal(stale.stale, true);
  assert.match(stale.text, new RegExp(`^Judged at ${clockTime('2026-11-29T09:00:00Z')}, before the latest epoch`));
  assert.ok(stale.text.includes(`${STALE_RETRY_MS / 1000} s`), stale.text);
  assert.ok(!stale.text.includes('5 finished'), 'a stale judgement is not said to be on the epochs the page counts now');
  assert.deepEqual(judgedOf(['not available', undefined, { judged: at('2026-11-29T10:00:00Z', true) }]), [
    at('2026-11-29T10:00:00Z', true),
  ]);
});

test("an epoch that ends after a verdict was judged: the page's next read says so, and a later read is fresh", async (t) => {
  const a = await makeApp({}, { logRequests: false });
  t.after(() => a.close());
  const { campaign, ids } = seed(a.store);
  await a.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}`;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => realFetch(typeof input === 'string' ? new URL(input, base) : input, init);
  t.after(() => {
    globalThis.fetch = realFetch;
  });

  const first = [await fetchCompare('speed', 'lean', campaign), await fetchDrift('speed', campaign)];
  const before = judgedNote(judgedOf(first), 6, 30);
  assert.equal(before.stale, false, 'a first answer is judged for the request');

  // One more epoch starts: the stamp moves, and the daemon answers at once with what it judged before.
  const speed = a.store.variants.listForCampaign(campaign).find((v) => v.name === 'speed');
  assert.ok(speed !== undefined && ids['speed'] !== undefined);
  a.store.epochs.start({
    campaign_id: campaign,
    variant_id: speed.id,
    variant: 'speed',
    round: 4,
    planned_ms: 1000,
    warmup_ms: 0,
    interval_ms: 100,
    started_at: new Date().toISOString(),
    host_id: null,
  });
  const next = [await fetchCompare('speed', 'lean', campaign), await fetchDrift('speed', campaign)];
  const during = judgedNote(judgedOf(next), 6, 30);
  assert.equal(during.stale, true, `the answers right after the epoch started: ${JSON.stringify(next.map((x) => x.judged))}`);
  assert.match(during.text, /the daemon is judging again/);

  // What the page does STALE_RETRY_MS later: the daemon has judged again by then.
  let again: Judged[] = [];
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    again = judgedOf([await fetchCompare('speed', 'lean', campaign), await fetchDrift('speed', campaign)]);
    if (again.every((j) => j.fresh)) break;
  }
  assert.equal(judgedNote(again, 6, 30).stale, false, JSON.stringify(again));
});
