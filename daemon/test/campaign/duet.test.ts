/** Duet rounds: both arms at once, each pinned to its own CPUs, swapped every round (real processes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { duetPlacement } from '../../src/campaign/duet.js';
import { allowedCpus } from '../../src/host/index.js';
import { openStore } from '../../src/storage/index.js';
import { compare } from '../../src/verdicts/index.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

test('duet placement: each arm on CPUs of its own, swapped every round; the arm started first alternates', () => {
  assert.deepEqual(duetPlacement(1, [1, 1], [0, 1]), { cpus: [[0], [1]], startOrder: [0, 1] });
  assert.deepEqual(duetPlacement(2, [1, 1], [0, 1]), { cpus: [[1], [0]], startOrder: [1, 0] });
  assert.deepEqual(duetPlacement(3, [2, 1], [2, 3, 5, 7]), { cpus: [[2, 3], [5]], startOrder: [0, 1] });
  assert.deepEqual(duetPlacement(4, [2, 1], [2, 3, 5, 7]), { cpus: [[3, 5], [2]], startOrder: [1, 0] });
  assert.throws(() => duetPlacement(1, [2, 1], [0, 1]), /a duet of 2 \+ 1 threads needs 3 CPUs, 2 allowed/);
});

test('a duet campaign runs both arms of a round at the same time on swapped CPUs; the verdict pairs them', async (t) => {
  const cpus = allowedCpus();
  if (cpus.length < 2) {
    t.skip(`this machine lets allocsoak use ${cpus.length} CPU; a duet needs 2`);
    return;
  }
  const { dir, cleanup } = tempDir('duet');
  const store = openStore(join(dir, 'd.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({
      name: 'duet',
      mode: 'duet',
      epoch: '800ms',
      warmup: '200ms',
      interval: '100ms',
      variants: [
        { name: 'A', allocator: 'glibc', args: ['--ws', '100'] },
        { name: 'B', allocator: 'glibc', args: ['--ws', '100', '--spin-iters', '2'] },
      ],
      comparisons: [{ baseline: 'A', candidate: 'B', goal: 'speed' }],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    assert.equal(await started.done, 'completed');
    const rows = store.epochs.listRows({ campaign: started.id }).reverse();
    assert.deepEqual(rows.map((e) => `${e.variant}${e.round}:${e.outcome}@${e.cpus}`).sort(), [
      `A1:completed@${cpus[0]}`,
      `A2:completed@${cpus[1]}`,
      `B1:completed@${cpus[1]}`,
      `B2:completed@${cpus[0]}`,
    ]);
    for (const round of [1, 2]) {
      const [a, b] = ['A', 'B'].map((v) => rows.find((e) => e.variant === v && e.round === round)!);
      const span = (e: typeof a) => [Date.parse(e!.started_at), Date.parse(e!.ended_at!)] as const;
      const [a0, a1] = span(a);
      const [b0, b1] = span(b);
      // At the same time: each started before the other ended (they overlap for most of the epoch).
      assert.ok(a0 < b1 && b0 < a1, `round ${round}: A ${a!.started_at}..${a!.ended_at}, B ${b!.started_at}..${b!.ended_at}`);
    }
    const verdict = compare(store, { baseline: 'A', candidate: 'B' });
    assert.equal(verdict.epochs.pairs, 2, 'each duet round is a pair');
    // Two rounds are too few; each further round gives both arms an epoch in one epoch length (as measured).
    assert.equal(verdict.verdict, 'INSUFFICIENT');
    const lengths = rows.map((e) => Date.parse(e.ended_at!) - Date.parse(e.started_at)).sort((x, y) => x - y);
    const medianMs = (lengths[1]! + lengths[2]!) / 2;
    assert.equal(verdict.settle_seconds, ((verdict.epochs_needed_per_arm ?? NaN) * medianMs) / 1000);
    assert.equal(verdict.settle_at, null, 'the campaign has ended');
  } finally {
    store.close();
    cleanup();
  }
});
