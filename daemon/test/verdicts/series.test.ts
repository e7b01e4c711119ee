/** Verdicts accumulate a variant's series across campaigns; a changed series starts over (real SQLite, synthetic rows). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { compare, judgePlanComparisons } from '../../src/verdicts/index.js';
import { tempDir } from '../helpers/env.js';
import type { SyntheticVariant } from '../judgement/synthetic.js';
import { seedCampaign } from './seed.js';

const MB = 1024 * 1024;
const plan = {
  name: 'series',
  epoch: '60s',
  warmup: '1s',
  interval: '1s',
  variants: [
    { name: 'A', allocator: 'glibc' },
    { name: 'B', allocator: 'glibc' },
  ],
  comparisons: [{ baseline: 'A', candidate: 'B', goal: 'speed' }],
};
const arms: SyntheticVariant[] = [
  { name: 'A', throughput: 100e6, rssPeak: 10 * MB },
  { name: 'B', throughput: 100e6, rssPeak: 10 * MB },
];

test('a series accumulates across campaigns; a new build starts a new series; a campaign is judged as of itself', () => {
  const { dir, cleanup } = tempDir('series');
  const store = openStore(join(dir, 's.db'));
  try {
    const legacy = seedCampaign(store, plan, arms, 2, 1); // before schema v6: no series
    const early = compare(store, { baseline: 'A', candidate: 'B' });
    assert.deepEqual(early.campaigns, [{ campaign: legacy, baseline: 2, candidate: 2 }]);
    // Too few epochs: the time the rest takes is a round robin of both variants' 60-s epochs per epoch needed.
    assert.equal(early.verdict, 'INSUFFICIENT');
    assert.ok(early.epochs_needed_per_arm !== null && early.epochs_needed_per_arm >= 3);
    assert.equal(early.settle_seconds, early.epochs_needed_per_arm * 2 * 60);

    const c1 = seedCampaign(store, plan, arms, 3, 2, { A: 'a-build-1', B: 'b-build-1' });
    const c2 = seedCampaign(store, plan, arms, 3, 3, { A: 'a-build-1', B: 'b-build-1' });
    const both = compare(store, { baseline: 'A', candidate: 'B' });
    assert.equal(both.campaign, c2);
    assert.deepEqual(both.campaigns, [
      { campaign: c1, baseline: 3, candidate: 3 },
      { campaign: c2, baseline: 3, candidate: 3 },
    ]);
    assert.equal(both.epochs.baseline.completed, 6);
    assert.equal(both.epochs.pairs, 6, 'pairs are made within each campaign');

    // A is rebuilt: its series starts over, B's goes on.
    const c3 = seedCampaign(store, plan, arms, 2, 4, { A: 'a-build-2', B: 'b-build-1' });
    const rebuilt = compare(store, { baseline: 'A', candidate: 'B' });
    assert.deepEqual(rebuilt.campaigns, [
      { campaign: c1, baseline: 0, candidate: 3 },
      { campaign: c2, baseline: 0, candidate: 3 },
      { campaign: c3, baseline: 2, candidate: 2 },
    ]);
    assert.equal(rebuilt.epochs.baseline.completed, 2);
    assert.equal(rebuilt.epochs.candidate.completed, 8);
    assert.equal(rebuilt.epochs.pairs, 2);

    // An earlier campaign is judged as it stood: later campaigns are not in its verdict.
    const asOfC2 = judgePlanComparisons(store, c2);
    assert.equal(asOfC2.length, 1);
    assert.deepEqual(
      asOfC2[0]?.campaigns.map((c) => c.campaign),
      [c1, c2],
    );
    assert.deepEqual(compare(store, { baseline: 'A', candidate: 'B', campaign: c2 }).campaigns, asOfC2[0]?.campaigns);
  } finally {
    store.close();
    cleanup();
  }
});
