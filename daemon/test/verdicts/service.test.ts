/** The judgement over a real SQLite store, with synthetic epoch rows (fast; no child processes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../src/domain/parameters.js';
import { AllocsoakMetrics } from '../../src/metrics/index.js';
import { renderReport } from '../../src/report/index.js';
import { openStore } from '../../src/storage/index.js';
import { compare, drift, judgePlanComparisons } from '../../src/verdicts/index.js';
import { tempDir } from '../helpers/env.js';
import type { SyntheticVariant } from '../judgement/synthetic.js';
import { seedCampaign } from './seed.js';

const MB = 1024 * 1024;

const plan = (comparisons: unknown[], reference?: string, extraVariants: unknown[] = []) => ({
  name: 'svc',
  epoch: '60s',
  warmup: '1s',
  interval: '1s',
  variants: [
    { name: 'mimalloc', allocator: 'glibc' },
    { name: 'speed', allocator: 'glibc' },
    { name: 'lean', allocator: 'glibc' },
    ...extraVariants,
  ],
  comparisons,
  ...(reference ? { reference } : {}),
});

test('compare takes goal and criteria from the plan, the latest campaign with both variants, and rejects bad input', () => {
  const { dir, cleanup } = tempDir('judge-svc');
  const store = openStore(join(dir, 's.db'));
  try {
    const variants: SyntheticVariant[] = [
      { name: 'mimalloc', throughput: 2e6, rssPeak: 40 * MB },
      { name: 'speed', throughput: 1e6, rssPeak: 100 * MB },
      { name: 'lean', throughput: 0.9e6, rssPeak: 25 * MB },
    ];
    // First campaign: default criteria → 10 % cost is too much (NEUTRAL).
    const first = seedCampaign(store, plan([{ baseline: 'speed', candidate: 'lean', goal: 'memory' }]), variants, 8, 1);
    assert.equal(compare(store, { baseline: 'speed', candidate: 'lean' }).verdict, 'NEUTRAL');
    // Second campaign: the plan accepts 15 % → GO; it is the latest, so it is the default.
    const second = seedCampaign(
      store,
      plan([{ baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { throughput_cost_max_pct: 15 } }], 'mimalloc'),
      variants,
      8,
      2,
    );
    const r = compare(store, { baseline: 'speed', candidate: 'lean' });
    assert.equal(r.campaign, second);
    assert.equal(r.criteria_source, 'plan');
    assert.equal(r.criteria.throughput_cost_max_pct, 15);
    assert.equal(r.verdict, 'GO', JSON.stringify(r.reasons, null, 1));
    assert.equal(compare(store, { baseline: 'speed', candidate: 'lean', campaign: first }).verdict, 'NEUTRAL');
    // A request's goal overrides the plan's (and drops the plan's memory criteria).
    const speed = compare(store, { baseline: 'speed', candidate: 'lean', goal: 'speed' });
    assert.equal(speed.goal, 'speed');
    assert.equal(speed.criteria_source, 'request');
    assert.equal(speed.verdict, 'NO-GO');

    const bad = (fn: () => unknown, parameter: string, message: RegExp) =>
      assert.throws(fn, (err: unknown) => err instanceof InputError && err.parameter === parameter && message.test(err.message));
    bad(
      () => compare(store, { baseline: 'ghost', candidate: 'lean' }),
      'baseline',
      /baseline: unknown variant "ghost"; expected one of lean, mimalloc, speed/,
    );
    bad(() => compare(store, { baseline: 'speed', candidate: 'speed' }), 'candidate', /other than the baseline/);
    bad(() => compare(store, { baseline: 'speed', candidate: 'lean', goal: 'fast' as 'speed' }), 'goal', /goal: expected speed or memory/);
    bad(() => compare(store, { baseline: 'speed', candidate: 'lean', campaign: 99 }), 'campaign', /no campaign 99/);
    bad(() => compare(store, { baseline: 'speed', candidate: 'lean', criteria: { speedup_min_pct: 1 } }), 'criteria', /speedup_min_pct/);

    // The plan's comparisons, as the gauge and the report judge them.
    const all = judgePlanComparisons(store);
    assert.deepEqual(
      all.map((c) => [c.baseline, c.candidate, c.verdict]),
      [['speed', 'lean', 'GO']],
    );
    const md = renderReport(store, { format: 'md' });
    assert.match(md, /^### speed → lean: GO$/m);
    assert.match(md, /^## Ratio to the reference \(mimalloc\)$/m);
    // speed runs at 1e6 against mimalloc's 2e6: 50 % of the reference, with an interval.
    assert.match(md, /\| speed \| 8 \| (49|50)\.\d\d % \[\d+\.\d\d, \d+\.\d\d\] \|/);
  } finally {
    store.close();
    cleanup();
  }
});

test('the verdict gauge follows new epochs (cached between them)', () => {
  const { dir, cleanup } = tempDir('judge-gauge');
  const store = openStore(join(dir, 'g.db'));
  try {
    const variants: SyntheticVariant[] = [
      { name: 'mimalloc', throughput: 2e6, rssPeak: 40 * MB },
      { name: 'speed', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'lean', throughput: 1.2e6, rssPeak: 50 * MB, outcome: (r) => (r === 9 ? 'crashed' : 'completed') },
    ];
    const p = plan([{ baseline: 'speed', candidate: 'lean', goal: 'speed' }]);
    seedCampaign(
      store,
      p,
      variants.map((v) => ({ ...v, outcome: () => 'completed' as const })),
      8,
      3,
    );
    const { registry } = new AllocsoakMetrics({ store, defaultMetrics: false });
    const value = async () =>
      (await registry.getSingleMetric('allocsoak_verdict')?.get())?.values.map((v) => [v.labels.baseline, v.labels.candidate, v.value]);
    return value()
      .then(async (before) => {
        assert.deepEqual(before, [['speed', 'lean', 1]]);
        // A new campaign where lean crashes once: NO-GO at the next scrape.
        seedCampaign(store, p, variants, 9, 4);
        assert.deepEqual(await value(), [['speed', 'lean', -1]]);
      })
      .finally(() => {
        store.close();
        cleanup();
      });
  } catch (err) {
    store.close();
    cleanup();
    throw err;
  }
});

test('the gauge and the report show the plan comparisons as compare judges them, and leave out those that cannot be judged', async () => {
  const { dir, cleanup } = tempDir('judge-agree');
  const store = openStore(join(dir, 'a.db'));
  try {
    // glibc ran in an earlier campaign, so it is a known variant; in the judged campaign it was skipped.
    seedCampaign(
      store,
      plan([], undefined, [{ name: 'glibc', allocator: 'glibc' }]),
      [{ name: 'glibc', throughput: 1e6, rssPeak: 10 * MB }],
      2,
      6,
    );
    const variants: SyntheticVariant[] = [
      { name: 'mimalloc', throughput: 2e6, rssPeak: 40 * MB },
      { name: 'speed', throughput: 1e6, rssPeak: 100 * MB },
      { name: 'lean', throughput: 0.9e6, rssPeak: 25 * MB },
    ];
    const comparisons = [
      { baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { throughput_cost_max_pct: 15 } },
      { baseline: 'speed', candidate: 'lean', goal: 'speed' },
      { baseline: 'lean', candidate: 'glibc', goal: 'speed' },
    ];
    const campaign = seedCampaign(
      store,
      plan(comparisons, 'mimalloc', [{ name: 'glibc', allocator: 'glibc', optional: true }]),
      variants,
      8,
      7,
    );

    const judged = judgePlanComparisons(store);
    assert.deepEqual(
      judged.map((c) => [c.baseline, c.candidate, c.goal, c.verdict, c.campaign, c.criteria_source]),
      [
        ['speed', 'lean', 'memory', 'GO', campaign, 'plan'],
        ['speed', 'lean', 'speed', 'NO-GO', campaign, 'plan'],
      ],
    );
    // Each is what compare answers for that comparison of the plan.
    assert.deepEqual(judged[0], compare(store, { baseline: 'speed', candidate: 'lean' }));
    const asRequested = compare(store, { baseline: 'speed', candidate: 'lean', goal: 'speed' });
    assert.deepEqual({ ...judged[1], criteria_source: 'request' }, asRequested);

    // The gauge: one series per pair, the verdict of the pair's first comparison (what GET /compare judges).
    const metrics = new AllocsoakMetrics({ store, defaultMetrics: false });
    const exposition = await metrics.metrics();
    assert.deepEqual(
      exposition.split('\n').filter((l) => l.startsWith('allocsoak_verdict{')),
      ['allocsoak_verdict{baseline="speed",candidate="lean"} 1'],
    );

    // The report: a section for each comparison, with the same verdict document.
    const md = renderReport(store, { format: 'md' });
    assert.deepEqual(
      [...md.matchAll(/^### (.*)$/gm)].map((m) => m[1]),
      ['speed → lean: GO', 'speed → lean: NO-GO'],
    );
    const json = JSON.parse(renderReport(store, { format: 'json' })) as { sections: { verdicts: { data: unknown[] } } };
    assert.deepEqual(
      json.sections.verdicts.data,
      JSON.parse(JSON.stringify(judged.map(({ campaign: _c, criteria_source: _s, ...verdict }) => verdict))),
    );
  } finally {
    store.close();
    cleanup();
  }
});

test('drift reads every campaign, filters by since, and rejects bad input', () => {
  const { dir, cleanup } = tempDir('judge-drift');
  const store = openStore(join(dir, 'd.db'));
  try {
    const v = (slope: number): SyntheticVariant[] => [
      { name: 'speed', throughput: 1e6, rssPeak: 50 * MB, slopeBytesPerHour: slope },
      { name: 'lean', throughput: 1e6, rssPeak: 20 * MB },
      { name: 'mimalloc', throughput: 2e6, rssPeak: 40 * MB },
    ];
    // A slow leak of 200 KiB/h: under the default floor (256 KiB/h), over a floor of 64 KiB/h.
    seedCampaign(store, plan([]), v(200 * 1024), 4, 5);
    const all = drift(store, { variant: 'speed' });
    assert.equal(all.epochs.length, 4);
    // Under the floor and no drift, but four epochs give the drift estimate no interval: not CLEAN yet.
    assert.equal(all.verdict, 'UNDECIDED');
    assert.equal(all.leak, false);
    assert.match(all.reasons.find((r) => r.status === 'undecided')?.message ?? '', /too few epochs \(4\) for an interval/);
    assert.equal(all.since, null);
    const since = all.epochs[2]?.started_at as string;
    const later = drift(store, { variant: 'speed', since });
    assert.deepEqual(
      later.epochs.map((e) => e.id),
      all.epochs.slice(2).map((e) => e.id),
    );
    assert.equal(later.since, new Date(since).toISOString());
    // A lower floor through criteria flags what the default does not.
    const strict = drift(store, { variant: 'speed', criteria: { leak_floor_bytes_per_hour: 64 * 1024 } });
    assert.equal(strict.verdict, 'LEAK');
    assert.equal(strict.flagged_epochs, 4);
    assert.throws(() => drift(store, { variant: 'nope' }), /variant: unknown variant "nope"/);
    assert.throws(() => drift(store, { variant: 'speed', since: 'last night' }), /since: expected an ISO-8601 time/);
  } finally {
    store.close();
    cleanup();
  }
});
