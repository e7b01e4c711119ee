/** A real duet campaign stores each round's per-interval ratios and shows both arms live. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { allowedCpus } from '../../src/host/index.js';
import { openStore } from '../../src/storage/index.js';
import { median } from '../../src/stats/descriptive.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

test('a duet round stores its interval ratios (candidate / baseline per CPU-second) and both arms run live', async (t) => {
  if (allowedCpus().length < 2) {
    t.skip('a duet needs 2 CPUs');
    return;
  }
  const { dir, cleanup } = tempDir('duet-intervals');
  const store = openStore(join(dir, 'd.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    // The comparison names B the baseline although A is the plan's first variant; B does a quarter of A's
    // busy work per op, so A / B per CPU-second is well below 1 in every interval.
    const resolved = planFrom({
      name: 'duet-intervals',
      mode: 'duet',
      epoch: '1500ms',
      warmup: '300ms',
      interval: '100ms',
      variants: [
        { name: 'A', allocator: 'glibc', args: ['--ws', '64', '--spin-iters', '200'] },
        { name: 'B', allocator: 'glibc', args: ['--ws', '64', '--spin-iters', '50'] },
      ],
      comparisons: [{ baseline: 'B', candidate: 'A', goal: 'speed' }],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    const liveSeen = new Set<string>();
    const poll = setInterval(() => {
      const running = controller.status().campaign?.current_epochs ?? [];
      if (running.length === 2) {
        const [x, y] = running;
        if (x!.round === y!.round && x!.variant !== y!.variant && x!.last_sample !== null && y!.last_sample !== null) {
          liveSeen.add(`round ${x!.round}: ${x!.variant}+${y!.variant}`);
        }
      }
    }, 50);
    let status: string;
    try {
      status = await started.done;
    } finally {
      clearInterval(poll);
    }
    assert.equal(status, 'completed');
    assert.ok(liveSeen.size >= 1, 'both arms of a round were live at once, each with samples');
    assert.ok(
      [...liveSeen].every((s) => s.endsWith('B+A')),
      `live arms, the comparison's baseline first: ${[...liveSeen].join(', ')}`,
    );

    const rounds = store.duetIntervals.list(started.id);
    assert.deepEqual(
      rounds.map((r) => r.round),
      [1, 2],
    );
    const rows = store.epochs.listRows({ campaign: started.id });
    for (const r of rounds) {
      const base = rows.find((e) => e.id === r.baseline_epoch_id)!;
      const cand = rows.find((e) => e.id === r.candidate_epoch_id)!;
      assert.deepEqual([base.variant, base.round, cand.variant, cand.round], ['B', r.round, 'A', r.round]);
      assert.equal(r.basis, 'cpu');
      // Started together: the clocks' origins differ by the launch skew, well under a second.
      assert.ok(Math.abs(r.clock_offset_ms) < 500, `clock offset ${r.clock_offset_ms} ms`);
      // 1.2 s measured in 100 ms intervals: about 11 one-interval steps, a few lost to late samples at most.
      assert.ok(r.intervals.length >= 5 && r.intervals.length <= 12, `${r.intervals.length} intervals`);
      assert.ok(r.intervals.every((i) => i.t_ms >= 300 + 100 - 50 && i.t_ms <= 1600));
      const epochRatio = cand.throughput_cpu! / base.throughput_cpu!;
      assert.ok(epochRatio < 0.8, `A does 4x the spin work of B: epoch ratio ${epochRatio}`);
      const mid = median(r.intervals.map((i) => i.ratio));
      assert.ok(Math.abs(Math.log(mid / epochRatio)) < 0.1, `round ${r.round}: median interval ratio ${mid} vs epoch ratio ${epochRatio}`);
      assert.ok(
        r.intervals.every((i) => i.ratio < 1),
        `every interval has A slower: ${r.intervals.map((i) => i.ratio.toFixed(3)).join(' ')}`,
      );
    }
  } finally {
    store.close();
    cleanup();
  }
});
