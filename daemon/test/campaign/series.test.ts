/** Each epoch records its series; a rebuilt library starts a new one (real campaigns, real library files). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { openStore } from '../../src/storage/index.js';
import { compare } from '../../src/verdicts/index.js';
import { LAUNCHER, LEANMALLOC } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

test('a new build of a variant’s library starts a new series; the same build goes on across campaigns', async () => {
  const { dir, cleanup } = tempDir('series');
  const store = openStore(join(dir, 's.db'));
  const library = join(dir, 'libmine.so');
  copyFileSync(LEANMALLOC, library);
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({
      name: 'builds',
      epoch: '600ms',
      warmup: '100ms',
      interval: '100ms',
      variants: [
        { name: 'mine', allocator: library, args: ['--ws', '100'] },
        { name: 'glibc', allocator: 'glibc', args: ['--ws', '100'] },
      ],
      comparisons: [{ baseline: 'glibc', candidate: 'mine', goal: 'speed' }],
    });
    const campaign = async (): Promise<number> => {
      const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
      assert.equal(await started.done, 'completed');
      return started.id;
    };
    const seriesOf = (c: number, variant: string): string | null => {
      const rows = store.epochs.listRows({ campaign: c, variant });
      assert.equal(rows[0]?.outcome, 'completed', `${variant} in campaign ${c}: ${rows[0]?.outcome_reason ?? 'no epoch'}`);
      return rows[0]?.series_sha256 ?? null;
    };

    const c1 = await campaign();
    const c2 = await campaign();
    assert.match(seriesOf(c1, 'mine') ?? '', /^[0-9a-f]{64}$/);
    assert.equal(seriesOf(c2, 'mine'), seriesOf(c1, 'mine'), 'the same build, the same series');
    assert.notEqual(seriesOf(c1, 'mine'), seriesOf(c1, 'glibc'), 'another allocator, another series');
    assert.deepEqual(compare(store, { baseline: 'glibc', candidate: 'mine' }).campaigns, [
      { campaign: c1, baseline: 1, candidate: 1 },
      { campaign: c2, baseline: 1, candidate: 1 },
    ]);

    appendFileSync(library, Buffer.alloc(64)); // a new build: other bytes (the loader ignores a tail)
    const c3 = await campaign();
    assert.notEqual(seriesOf(c3, 'mine'), seriesOf(c2, 'mine'), 'a new build starts a new series');
    assert.equal(seriesOf(c3, 'glibc'), seriesOf(c2, 'glibc'));
    const verdict = compare(store, { baseline: 'glibc', candidate: 'mine' });
    assert.deepEqual(verdict.campaigns, [
      { campaign: c1, baseline: 1, candidate: 0 },
      { campaign: c2, baseline: 1, candidate: 0 },
      { campaign: c3, baseline: 1, candidate: 1 },
    ]);
    assert.equal(verdict.epochs.candidate.completed, 1);
    assert.equal(verdict.epochs.baseline.completed, 3);
  } finally {
    store.close();
    cleanup();
  }
});
