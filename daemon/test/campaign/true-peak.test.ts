/**
 * True peak memory: a 32 MB burst every 5 s, sampled every 500 ms, falls between samples; the largest
 * sample misses it (a few MiB under glibc), VmHWM reset at the warm-up end does not. Real child processes,
 * the real native build, a real SQLite file; the memory verdict is read through the verdicts service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { openStore } from '../../src/storage/index.js';
import { compare } from '../../src/verdicts/index.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

const MiB = 1024 * 1024;
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const burst = ['--burst-mb', '32', '--burst-every-s', '5'];

test('32 MB bursts between 500 ms samples: the peak after warm-up is >= 32 MiB for glibc, jemalloc and leanmalloc, and memory verdicts read it', async () => {
  const { dir, cleanup } = tempDir('true-peak');
  const store = openStore(join(dir, 'peak.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({
      name: 'true-peak',
      epoch: '7s',
      warmup: '1s',
      interval: '500ms',
      variants: [
        { name: 'glibc', allocator: 'glibc', args: burst },
        { name: 'jemalloc', allocator: JEMALLOC, args: burst },
        { name: 'lean', allocator: 'leanmalloc', args: burst },
      ],
      comparisons: [{ baseline: 'glibc', candidate: 'jemalloc', goal: 'memory' }],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
    assert.equal(await started.done, 'completed');
    const rows = store.epochs.listRows({ campaign: started.id });
    assert.equal(rows.length, 3);
    for (const e of rows) {
      const what = `${e.variant}: hwm ${e.rss_hwm_bytes} largest sample ${e.rss_peak_bytes} note ${e.analysis_note}`;
      assert.equal(e.outcome, 'completed', `${e.variant}: ${e.outcome_reason} ${e.stderr_tail}`);
      assert.equal(e.hwm_reset, 1, what);
      assert.ok(e.rss_hwm_bytes !== null && e.rss_hwm_bytes >= 32 * MiB, what);
      assert.ok(e.rss_hwm_bytes >= (e.rss_peak_bytes ?? 0), `the true peak is at least the largest sample; ${what}`);
    }
    const verdict = compare(store, { baseline: 'glibc', candidate: 'jemalloc', campaign: started.id });
    assert.equal(verdict.goal, 'memory');
    const peak = verdict.rss_peak;
    assert.ok(peak !== null, 'no peak ratio');
    const byName = new Map(rows.map((e) => [e.variant, e]));
    assert.equal(Math.round(peak.baseline_median), byName.get('glibc')!.rss_hwm_bytes, 'the verdict judges the true peak of glibc');
    assert.equal(Math.round(peak.candidate_median), byName.get('jemalloc')!.rss_hwm_bytes, 'the verdict judges the true peak of jemalloc');
    assert.ok(peak.baseline_median >= 32 * MiB && peak.candidate_median >= 32 * MiB);
  } finally {
    store.close();
    cleanup();
  }
});
