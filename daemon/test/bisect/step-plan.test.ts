import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisectPlan, defaultBisectPlan, judgedFigures, outcomeOf, stepPlan, stepVariantNames } from '../../src/bisect/index.js';
import { judgeComparison } from '../../src/judgement/index.js';
import { parsePlanText } from '../../src/plan/index.js';
import type { CompareResult } from '../../src/verdicts/index.js';
import { LEANMALLOC } from '../helpers/native.js';
import { synthesize } from '../judgement/synthetic.js';

test('the run plan: a duet under the adaptive schedule of good and step, with the user plan’s workload and criteria', () => {
  const user = parsePlanText(
    [
      'name: mine',
      'epoch: 3s',
      'warmup: 1s',
      'interval: 200ms',
      'rss_limit: 1GiB',
      'variants:',
      '  - { name: other, allocator: glibc, args: ["--ws", "10"] }',
      '  - { name: base, allocator: leanmalloc, env: { LEANMALLOC_PROFILE: lean }, args: ["--burst-mb", "8", "--burst-every-s", "1"] }',
      'comparisons:',
      '  - { baseline: base, candidate: other, goal: memory, criteria: { judge_held_rss: 1 } }',
    ].join('\n'),
    'mine.yaml',
  );
  const memory = bisectPlan(user, 'memory');
  assert.equal(memory.mode, 'duet');
  assert.equal(memory.schedule, 'adaptive');
  assert.deepEqual([memory.epoch_ms, memory.warmup_ms, memory.interval_ms, memory.rss_limit_bytes], [3000, 1000, 200, 1024 ** 3]);
  assert.deepEqual(
    memory.variants.map((v) => [v.name, v.env, v.args]),
    [
      ['good', { LEANMALLOC_PROFILE: 'lean' }, ['--burst-mb', '8', '--burst-every-s', '1']],
      ['step', { LEANMALLOC_PROFILE: 'lean' }, ['--burst-mb', '8', '--burst-every-s', '1']],
    ],
    'the workload of the first comparison’s baseline',
  );
  assert.deepEqual(memory.comparisons, [
    {
      baseline: 'good',
      candidate: 'step',
      goal: 'memory',
      criteria: { syscalls_nogo_per_op: 1e6, rss_cut_nogo_pct: -5, rss_go_below_bytes: 0, judge_held_rss: 1 },
    },
  ]);
  // Criteria of another goal are not carried over: the built-in ones apply.
  assert.deepEqual(bisectPlan(user, 'speed').comparisons[0]?.criteria, { slowdown_tolerance_pct: 1, syscalls_nogo_per_op: 1e6 });
  const builtIn = bisectPlan(null, 'speed');
  assert.deepEqual([builtIn.epoch_ms, builtIn.warmup_ms, builtIn.interval_ms], [20_000, 5000, 500]);
  assert.equal(defaultBisectPlan().variants[0]?.allocator, 'glibc');
});

test('a step’s plan names its variants after the run and step, preloads the two libraries, and is checked', async () => {
  const names = stepVariantNames(3, 2);
  assert.deepEqual(names, { good: 'good.b3s2', step: 'step.b3s2' });
  const resolved = await stepPlan(
    bisectPlan(null, 'speed'),
    { goodName: names.good, stepName: names.step, goodLibrary: LEANMALLOC, stepLibrary: LEANMALLOC, name: 'bisect 3 step 2' },
    'test',
  );
  assert.deepEqual(
    resolved.variants.map((v) => [v.name, v.library]),
    [
      ['good.b3s2', LEANMALLOC],
      ['step.b3s2', LEANMALLOC],
    ],
  );
  assert.deepEqual(resolved.plan.comparisons[0]?.baseline, 'good.b3s2');
  await assert.rejects(
    stepPlan(
      bisectPlan(null, 'speed'),
      { goodName: 'g', stepName: 's', goodLibrary: '/nonexistent/lib.so', stepLibrary: LEANMALLOC, name: 'x' },
      'test',
    ),
    /an existing library file at \/nonexistent\/lib\.so/,
  );
});

test('a verdict as a step: NO-GO bad, GO and NEUTRAL good, INSUFFICIENT unclear; the ratio the goal judges, named', () => {
  assert.deepEqual((['NO-GO', 'GO', 'NEUTRAL', 'INSUFFICIENT'] as const).map(outcomeOf), ['bad', 'good', 'good', 'unclear']);
  const est = (ratio: number) => ({ ratio, low: ratio - 0.01, high: ratio + 0.01 });
  const base = {
    verdict: 'NO-GO',
    reasons: [{ criterion: 'slowdown_tolerance_pct', status: 'fail', decisive: true, message: 'slower' }],
    epochs: { pairs: 9 },
    throughput_basis: 'cpu',
    throughput: est(0.95),
    rss_peak: est(1.5),
    rss_held: est(2),
    rss_basis: 'peak',
  };
  const speed = judgedFigures({ ...base, goal: 'speed' } as unknown as CompareResult);
  assert.deepEqual(speed, {
    verdict: 'NO-GO',
    measure: 'throughput per CPU-second',
    ratio: 0.95,
    ratioLo: 0.94,
    ratioHi: 0.96,
    pairs: 9,
    reason: 'slower',
  });
  assert.equal(
    judgedFigures({ ...base, goal: 'speed', throughput_basis: 'wall' } as unknown as CompareResult).measure,
    'throughput per wall-clock second',
  );
  const peak = judgedFigures({ ...base, goal: 'memory' } as unknown as CompareResult);
  assert.deepEqual([peak.measure, peak.ratio], ['peak RSS', 1.5]);
  const held = judgedFigures({ ...base, goal: 'memory', rss_basis: 'held' } as unknown as CompareResult);
  assert.deepEqual([held.measure, held.ratio], ['held RSS', 2]);
  const none = judgedFigures({ ...base, goal: 'speed', throughput: null } as unknown as CompareResult);
  assert.deepEqual([none.ratio, none.ratioLo, none.ratioHi], [null, null, null]);
});

test('a memory bisect’s criteria: held memory that grew is bad; the same, or less, is not', () => {
  const MB = 1024 * 1024;
  const criteria = bisectPlan(null, 'memory').comparisons[0]?.criteria ?? {};
  const judge = (heldRatio: number): string => {
    const epochs = synthesize({
      seed: 7,
      rounds: 8,
      variants: [
        { name: 'good', throughput: 1e6, rssPeak: 40 * MB, rssHeld: 20 * MB },
        { name: 'step', throughput: 1e6, rssPeak: 40 * MB, rssHeld: 20 * MB * heldRatio },
      ],
    });
    return judgeComparison(epochs, { baseline: 'good', candidate: 'step', goal: 'memory', criteria }).verdict;
  };
  assert.equal(judge(1.5), 'NO-GO', 'half as much again is a regression');
  assert.equal(judge(1), 'NEUTRAL', 'the same memory is no change');
  // A soak's memory comparison calls a cut of less than half NO-GO (rss_cut_nogo_pct 50); a bisect looks for growth.
  assert.notEqual(judge(0.8), 'NO-GO', 'holding less is not the change a memory bisect looks for');
});
