/**
 * Two stored `allocsoak bisect` runs, written through the store API as the bisect command writes them, for
 * the tests that read them (REST, the page's checks, the page in a browser):
 * - FOUND (speed): five commits; the bad end is 4.8 % slower, a probe of C is unclear, D is slower (the
 *   culprit), B's build fails, and C confirmed like the good build; each built step judged in a duet
 *   campaign of its own.
 * - RUNNING (memory): three commits; the bad end holds 12 % more, the middle one's build failed.
 */
import type { Store } from '../../src/storage/index.js';
import { planFrom } from './env.js';

/** A commit of a seeded range: its sha and subject. */
export interface SeededCommit {
  commit: string;
  subject: string;
}

const sha = (head: string): string => head.padEnd(40, '0');

export const FOUND_COMMITS = {
  A: { commit: sha('3f2c9d1e7a'), subject: 'leanmalloc: v1.4 release' },
  B: { commit: sha('8b41e0c2d5'), subject: 'slab: count frees per size class' },
  C: { commit: sha('c07d5a9f13'), subject: 'purge: batch madvise calls' },
  D: { commit: sha('d9e8f7a6b5'), subject: 'free: take the remote-free lock on every free' },
  E: { commit: sha('e5f4a3b2c1'), subject: 'docs: describe LEANMALLOC_TARGET_MB' },
} satisfies Record<string, SeededCommit>;

export const RUNNING_COMMITS = {
  X: { commit: sha('a1b2c3d4e5'), subject: 'large: keep one cached huge block' },
  Y: { commit: sha('b2c3d4e5f6'), subject: 'large: cache up to TARGET_MB of huge blocks' },
  Z: { commit: sha('c3d4e5f6a7'), subject: 'options: LEANMALLOC_TARGET_MB defaults to unlimited' },
} satisfies Record<string, SeededCommit>;

export const FOUND_MESSAGE =
  'first bad commit d9e8f7a6b5 "free: take the remote-free lock on every free": throughput per CPU-second −5.1 % [−5.7, −4.5] ' +
  'over 7 pairs against the good build; its parent c07d5a9f13 is like the good build (−0.2 % [−0.8, +0.3], 9 pairs)';

export interface SeededBisects {
  found: number;
  running: number;
  /** The campaigns that judged FOUND's built steps, in step order (E, C, D, C). */
  foundCampaigns: number[];
  runningCampaign: number;
}

const DUET = {
  mode: 'duet',
  epoch: '60s',
  warmup: '5s',
  interval: '1s',
  variants: [
    { name: 'good', allocator: 'glibc' },
    { name: 'step', allocator: 'glibc' },
  ],
};

interface Built {
  verdict: 'GO' | 'NEUTRAL' | 'NO-GO' | 'INSUFFICIENT';
  ratio: [number, number, number];
  pairs: number;
}

export function seedBisects(store: Store, startedAt = '2026-11-28T21:00:00.000Z'): SeededBisects {
  const t0 = Date.parse(startedAt);
  const at = (minutes: number): string => new Date(t0 + minutes * 60_000).toISOString();

  const speedPlan = planFrom({ ...DUET, name: 'bisect-speed', comparisons: [{ baseline: 'good', candidate: 'step', goal: 'speed' }] }).plan;
  const memoryPlan = planFrom({
    ...DUET,
    name: 'bisect-memory',
    comparisons: [{ baseline: 'good', candidate: 'step', goal: 'memory' }],
  }).plan;

  let minute = 0;
  const step = (
    runId: number,
    plan: typeof speedPlan,
    c: SeededCommit,
    role: 'endpoint' | 'probe' | 'confirm',
    outcome: 'good' | 'bad' | 'skip' | 'unclear',
    measure: string,
    built: Built | string,
  ): number | null => {
    const started = at(minute);
    minute += 20;
    if (typeof built === 'string') {
      store.bisects.addStep({
        run_id: runId,
        commit_sha: c.commit,
        role,
        build_ok: false,
        build_note: built,
        library_sha256: null,
        campaign_id: null,
        verdict: null,
        measure: null,
        ratio: null,
        ratio_lo: null,
        ratio_hi: null,
        pairs: null,
        outcome,
        started_at: started,
        ended_at: at(minute - 19),
      });
      return null;
    }
    const campaign = store.campaigns.create({
      name: `bisect ${runId} ${c.commit.slice(0, 10)}`,
      source: 'bisect',
      plan,
      started_at: started,
    });
    // Its two arms, as the campaign registers them when it starts (their epochs are not needed here).
    for (const v of plan.variants) store.variants.upsert(campaign, v, null);
    store.campaigns.finish(campaign, 'completed');
    store.bisects.addStep({
      run_id: runId,
      commit_sha: c.commit,
      role,
      build_ok: true,
      build_note: null,
      library_sha256: c.commit.slice(0, 10).padEnd(64, 'f'),
      campaign_id: campaign,
      verdict: built.verdict,
      measure,
      ratio: built.ratio[0],
      ratio_lo: built.ratio[1],
      ratio_hi: built.ratio[2],
      pairs: built.pairs,
      outcome,
      started_at: started,
      ended_at: at(minute),
    });
    return campaign;
  };

  const F = FOUND_COMMITS;
  const found = store.bisects.create({
    repo: '/home/dev/leanmalloc',
    good: 'v1.4',
    bad: 'main',
    build_command: 'make -C native lib',
    library: 'native/build/libleanmalloc.so',
    goal: 'speed',
    plan: speedPlan,
    commits: [F.A, F.B, F.C, F.D, F.E],
    started_at: at(0),
  });
  const tp = 'throughput per CPU-second';
  const foundCampaigns = [
    step(found, speedPlan, F.E, 'endpoint', 'bad', tp, { verdict: 'NO-GO', ratio: [0.952, 0.947, 0.958], pairs: 7 }),
    step(found, speedPlan, F.C, 'probe', 'unclear', tp, { verdict: 'INSUFFICIENT', ratio: [0.991, 0.978, 1.004], pairs: 4 }),
    step(found, speedPlan, F.D, 'probe', 'bad', tp, { verdict: 'NO-GO', ratio: [0.949, 0.943, 0.955], pairs: 7 }),
    step(found, speedPlan, F.B, 'probe', 'skip', tp, 'exit 2: src/slab.c:88: error: unknown type name size_class_t'),
    step(found, speedPlan, F.C, 'confirm', 'good', tp, { verdict: 'NEUTRAL', ratio: [0.998, 0.992, 1.003], pairs: 9 }),
  ].filter((c): c is number => c !== null);
  store.bisects.finish(found, 'found', F.D.commit, FOUND_MESSAGE, at(minute));

  const R = RUNNING_COMMITS;
  const running = store.bisects.create({
    repo: '/home/dev/leanmalloc',
    good: 'v1.5',
    bad: 'HEAD',
    build_command: 'make -C native lib',
    library: 'native/build/libleanmalloc.so',
    goal: 'memory',
    plan: memoryPlan,
    commits: [R.X, R.Y, R.Z],
    started_at: at(minute + 5),
  });
  minute += 5;
  const runningCampaign = step(running, memoryPlan, R.Z, 'endpoint', 'bad', 'held RSS', {
    verdict: 'NO-GO',
    ratio: [1.12, 1.09, 1.15],
    pairs: 6,
  });
  step(running, memoryPlan, R.Y, 'probe', 'skip', 'held RSS', 'exit 1: make: *** No rule to make target lib');
  if (runningCampaign === null) throw new Error('the running run has no built step');
  return { found, running, foundCampaigns, runningCampaign };
}
