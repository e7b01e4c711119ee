/**
 * VerdictReader (what GET /compare, /drift, /history, the verdict gauge and the daemon's standings call):
 * answers equal the service's own, judged on a worker thread for a database file, kept until an epoch starts
 * or ends; after that the last answer is served at once marked `judged.fresh: false` while the worker judges
 * again (and the watch judges the recent requests again without being asked), never across a change of the
 * campaign a compare judges, nor when the caller asks for a fresh one; refusals keep their parameter; the
 * event loop keeps turning while a long series is judged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../src/domain/parameters.js';
import { openStore } from '../../src/storage/index.js';
import { compare, drift, judgePlanComparisons, VerdictReader, type Judged, type ServedAnswer } from '../../src/verdicts/index.js';
import { tempDir } from '../helpers/env.js';
import { seed } from '../http/helpers.js';
import { freshJudgement } from '../helpers/judged.js';

/** The answer without what it was judged on (fresh or not): what the service itself returns. */
function judgement<T extends { judged: Judged }>(served: T): Omit<T, 'judged'> {
  return freshJudgement({ ...served, judged: { ...served.judged, fresh: true } });
}

/** The served answer, parsed (the JSON text is what REST sends). */
const v = <R>(answer: Promise<ServedAnswer<R>>) => answer.then((a) => a.value());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asks until the answer is fresh (the worker has judged the current stamp), at most `ms`. */
async function untilFresh<T extends { judged: Judged }>(ask: () => Promise<T>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const a = await ask();
    if (a.judged.fresh || Date.now() > end) return a;
    await sleep(20);
  }
}

test('answers are the service’s, kept until an epoch starts or ends, then judged again', async () => {
  const { dir, cleanup } = tempDir('reader');
  const store = openStore(join(dir, 'r.db'));
  const reader = new VerdictReader(store);
  try {
    const s = seed(store);
    const d1 = await v(reader.drift({ variant: 'speed' }));
    assert.deepEqual(judgement(d1), drift(store, { variant: 'speed' }));
    assert.equal(d1.judged.fresh, true, 'the first answer waits for its judgement');
    assert.equal(d1.judged.stamp, store.epochs.stamp());
    assert.ok(Math.abs(Date.parse(d1.judged.at) - Date.now()) < 60_000, d1.judged.at);
    assert.equal(await v(reader.drift({ variant: 'speed' })), d1, 'the same answer object while nothing changed');
    const c1 = await v(reader.compare({ baseline: 'speed', candidate: 'lean' }));
    assert.deepEqual(judgement(c1), compare(store, { baseline: 'speed', candidate: 'lean' }));

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
    const d2 = await untilFresh(() => v(reader.drift({ variant: 'speed' })));
    assert.notEqual(d2, d1);
    assert.equal(d2.judged.stamp, store.epochs.stamp());
    store.epochs.finish(id, { outcome: 'completed', throughput_mean: 5e6, rss_drift_pct: 40, rss_initial_bytes: 1 << 20 });
    const d3 = await untilFresh(() => v(reader.drift({ variant: 'speed' })));
    assert.equal(d3.judged.fresh, true);
    assert.deepEqual(judgement(d3), drift(store, { variant: 'speed' }));
    assert.equal(d3.epochs.length, d1.epochs.length + 1, 'the new completed epoch is judged');
    const c3 = await untilFresh(() => v(reader.compare({ baseline: 'speed', candidate: 'lean' })));
    assert.deepEqual(judgement(c3), compare(store, { baseline: 'speed', candidate: 'lean' }));

    // A refusal from the worker is still an InputError naming the parameter, and is not kept.
    await assert.rejects(
      v(reader.drift({ variant: 'nope' })),
      (err: unknown) => err instanceof InputError && err.parameter === 'variant' && /unknown variant "nope"/.test(err.message),
    );
    await assert.rejects(v(reader.compare({ baseline: 'speed', candidate: 'speed' })), (err: unknown) => err instanceof InputError);
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
    const d = await v(reader.drift({ variant: 'speed' }));
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

/** Starts and ends one completed epoch of `variant` in `campaign` (the stamp moves twice). */
function runEpoch(store: ReturnType<typeof openStore>, campaign: number, variant: string, round: number): void {
  const vid = store.variants.listForCampaign(campaign).find((v) => v.name === variant)!.id;
  const id = store.epochs.start({
    campaign_id: campaign,
    variant_id: vid,
    variant,
    round,
    planned_ms: 1000,
    warmup_ms: 0,
    interval_ms: 100,
  });
  store.epochs.finish(id, {
    outcome: 'completed',
    throughput_mean: 5e6 * (1 + round / 100),
    rss_initial_bytes: 1 << 20,
    rss_final_bytes: (1 << 20) + round,
    rss_drift_pct: 0.5,
  });
}

test('after an epoch ends: the previous answer at once, marked stale; then the new one, judged without being asked', async () => {
  const { dir, cleanup } = tempDir('reader-stale');
  const store = openStore(join(dir, 'stale.db'));
  // The watch looks every 20 ms here (500 ms in the daemon).
  const reader = new VerdictReader(store, { watchMs: 20 });
  try {
    const s = seed(store);
    const ask = () => v(reader.compare({ baseline: 'speed', candidate: 'lean' }));
    const c1 = await ask();
    const d1 = await v(reader.drift({ variant: 'lean' }));
    const h1 = await v(reader.history({ variant: 'lean' }));
    const before = store.epochs.stamp();

    runEpoch(store, s.campaign, 'lean', 4);
    assert.notEqual(store.epochs.stamp(), before);
    // The first request after the epoch ended: the previous answer, saying so.
    const c2 = await ask();
    assert.deepEqual(judgement(c2), judgement(c1), 'the previous verdict');
    assert.deepEqual(c2.judged, { at: c1.judged.at, stamp: before, fresh: false });
    const d2 = await v(reader.drift({ variant: 'lean' }));
    assert.equal(d2.judged.fresh, false);
    assert.equal(d2.epochs.length, d1.epochs.length, 'the epoch that just ended is not in the stale answer');
    const h2 = await v(reader.history({ variant: 'lean' }));
    assert.deepEqual(h2.judged, { ...h1.judged, fresh: false });

    // A later request: the new answer, judged at the current stamp.
    const c3 = await untilFresh(ask);
    assert.equal(c3.judged.fresh, true);
    assert.equal(c3.judged.stamp, store.epochs.stamp());
    assert.deepEqual(judgement(c3), compare(store, { baseline: 'speed', candidate: 'lean' }));
    assert.equal(c3.epochs.candidate.completed, c1.epochs.candidate.completed + 1);

    // Nobody asks after the next epoch ends: the watch judges the recent requests again by itself, so the
    // first request afterwards is already fresh.
    runEpoch(store, s.campaign, 'lean', 5);
    const judgedBy = store.epochs.stamp();
    await sleep(1500);
    const d4 = await v(reader.drift({ variant: 'lean' }));
    assert.deepEqual(d4.judged.stamp, judgedBy);
    assert.equal(d4.judged.fresh, true, 'judged again without being asked');
    assert.deepEqual(judgement(d4), drift(store, { variant: 'lean' }));
  } finally {
    await reader.close();
    store.close();
    cleanup();
  }
});

test('never stale across a new campaign of the compared pair, nor for a caller that asks for a fresh answer', async () => {
  const { dir, cleanup } = tempDir('reader-identity');
  const store = openStore(join(dir, 'identity.db'));
  const reader = new VerdictReader(store, { watchMs: 60_000 });
  try {
    const first = seed(store).campaign;
    const c1 = await v(reader.compare({ baseline: 'speed', candidate: 'lean' }));
    assert.equal(c1.campaign, first);
    const p1 = await v(reader.planComparisons(first));
    assert.deepEqual(p1.results, judgePlanComparisons(store, first));

    // A new campaign in which both ran: a compare without a campaign now judges that one, and waits for it.
    const second = seed(store).campaign;
    const c2 = await v(reader.compare({ baseline: 'speed', candidate: 'lean' }));
    assert.equal(c2.judged.fresh, true);
    assert.equal(c2.campaign, second);
    assert.deepEqual(judgement(c2), compare(store, { baseline: 'speed', candidate: 'lean' }));

    // The same campaign named: its last answer may be served stale …
    const named = await v(reader.compare({ baseline: 'speed', candidate: 'lean', campaign: second }));
    runEpoch(store, second, 'lean', 4);
    const stale = await v(reader.compare({ baseline: 'speed', candidate: 'lean', campaign: second }));
    assert.equal(stale.judged.fresh, false);
    assert.equal(stale.judged.stamp, named.judged.stamp);
    // … but not to a caller that needs the current verdicts (the campaign's standings after a round).
    const p2 = await v(reader.planComparisons(second, { fresh: true }));
    assert.equal(p2.judged.fresh, true);
    assert.equal(p2.judged.stamp, store.epochs.stamp());
    assert.deepEqual(p2.results, judgePlanComparisons(store, second));
  } finally {
    await reader.close();
    store.close();
    cleanup();
  }
});
