/**
 * The adaptive schedule on real processes: rounds go to comparisons still open, a settled one gets no more,
 * the log says after each round where every comparison stands, and the campaign ends when all have settled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { allowedCpus } from '../../src/host/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { comparisonStandings, judgePlanComparisons } from '../../src/verdicts/index.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

const variants = [
  { name: 'base', allocator: 'glibc', args: ['--ws', '100', '--spin-iters', '100'] },
  { name: 'slow', allocator: 'glibc', args: ['--ws', '100', '--spin-iters', '160'] },
  { name: 'twin', allocator: 'glibc', args: ['--ws', '100', '--spin-iters', '100'] },
];
const comparisons = [
  { baseline: 'base', candidate: 'slow', goal: 'speed' },
  { baseline: 'base', candidate: 'twin', goal: 'speed' },
];

function counts(store: Store, campaign: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of store.epochs.countsForCampaign(campaign)) out[c.variant] = (out[c.variant] ?? 0) + c.count;
  return out;
}

test('adaptive duet: the settled comparison stops at its look, the open one takes the rounds, one log line each', async (t) => {
  if (allowedCpus().length < 2) {
    t.skip('a duet needs 2 CPUs');
    return;
  }
  const { dir, cleanup } = tempDir('adaptive-duet');
  const store = openStore(join(dir, 'a.db'));
  try {
    const { log, lines } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log, standings: (id) => comparisonStandings(store, id) });
    const resolved = planFrom({
      name: 'adaptive-duet',
      mode: 'duet',
      schedule: 'adaptive',
      epoch: '500ms',
      warmup: '100ms',
      interval: '50ms',
      variants,
      comparisons,
    });
    // At most 10 rounds per comparison: 20 rounds in all.
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 10 });
    assert.equal(await started.done, 'completed');
    const n = counts(store, started.id);
    const [slow, twin] = judgePlanComparisons(store, started.id);
    assert.equal(slow?.verdict, 'NO-GO', JSON.stringify(slow?.reasons.map((r) => r.message)));
    assert.equal(slow?.look?.n, 7, 'settled at the first look');
    assert.equal(n['slow'], 7, 'no round after it settled');
    // The twin had the other rounds (all 13 unless it settled sooner, which ends the campaign).
    if (twin?.verdict === 'INSUFFICIENT') assert.equal(n['twin'], 13);
    else assert.ok((n['twin'] ?? 0) >= 7);
    assert.equal(n['base'], (n['slow'] ?? 0) + (n['twin'] ?? 0), 'base ran in every round');
    const messages = lines.map((l) => String(l['msg']));
    assert.equal(
      messages.filter((m) => m === 'base → slow: NO-GO, settled at 7 duet epochs').length,
      1,
      'a settled comparison is logged once',
    );
    assert.ok(
      messages.some((m) => /^base → twin: ≈ \d+ more duet epochs, about \d\d:\d\d$/.test(m)),
      messages.filter((m) => m.startsWith('base →')).join('\n'),
    );
  } finally {
    store.close();
    cleanup();
  }
});

test('adaptive sequential: the variants of settled comparisons stop; all settled ends the campaign', async () => {
  const { dir, cleanup } = tempDir('adaptive-seq');
  const store = openStore(join(dir, 's.db'));
  try {
    const { log, lines } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log, standings: (id) => comparisonStandings(store, id) });
    const resolved = planFrom({
      name: 'adaptive-seq',
      schedule: 'adaptive',
      epoch: '400ms',
      warmup: '100ms',
      interval: '50ms',
      variants: [variants[0], variants[1], { ...variants[2]!, name: 'slower', args: ['--ws', '100', '--spin-iters', '250'] }],
      comparisons: [comparisons[0], { baseline: 'base', candidate: 'slower', goal: 'speed' }],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 20 });
    assert.equal(await started.done, 'completed');
    const verdicts = judgePlanComparisons(store, started.id).map((v) => v.verdict);
    assert.deepEqual(verdicts, ['NO-GO', 'NO-GO']);
    // Both settle at a planned look (7 rounds, or 11 or 17 on a host loaded enough to blur a 37 % change),
    // before the cap of 20; base runs while either is open, each candidate until its own look.
    const n = counts(store, started.id);
    const looks = judgePlanComparisons(store, started.id).map((v) => v.look?.n);
    assert.deepEqual([n['slow'], n['slower']], looks);
    assert.ok(
      looks.every((l) => l !== undefined && [7, 11, 17].includes(l)),
      `looks ${looks.join(', ')}`,
    );
    assert.equal(n['base'], Math.max(...(looks as number[])));
    assert.ok(lines.some((l) => l['msg'] === 'every comparison has settled: the campaign ends'));
  } finally {
    store.close();
    cleanup();
  }
});
