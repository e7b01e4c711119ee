import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BisectOutcome } from '../../src/domain/types.js';
import { nextStep, outcomesOf, progress, type SearchState } from '../../src/bisect/index.js';

const known = (entries: Record<number, BisectOutcome>): Map<number, BisectOutcome> =>
  new Map(Object.entries(entries).map(([k, v]) => [Number(k), v]));

/**
 * Runs the search to its end against a truth (the outcome each index would have), returning the indices
 * tested in order and the final state.
 */
function drive(
  count: number,
  truth: (i: number) => BisectOutcome,
  start: Record<number, BisectOutcome> = {},
): { tested: number[]; end: SearchState } {
  const outcomes = known(start);
  const tested: number[] = [];
  for (let guard = 0; guard < 100; guard++) {
    const s = nextStep(count, outcomes);
    if (s.kind !== 'test') return { tested, end: s };
    assert.ok(!outcomes.has(s.index), `index ${s.index} is never tested twice`);
    tested.push(s.index);
    outcomes.set(s.index, truth(s.index));
  }
  throw new Error('the search did not end');
}

test('the bad revision is tested first; unless it is bad there is no change to search', () => {
  assert.deepEqual(nextStep(5, known({})), { kind: 'test', index: 4, role: 'endpoint' });
  assert.deepEqual(nextStep(5, known({ 4: 'good' })), { kind: 'no_change', endpoint: 'good' });
  assert.deepEqual(nextStep(5, known({ 4: 'unclear' })), { kind: 'no_change', endpoint: 'unclear' });
  assert.deepEqual(nextStep(5, known({ 4: 'skip' })), { kind: 'untestable', index: 4 });
  assert.throws(() => nextStep(1, known({})), /at least two commits/);
});

test('adjacent good and bad: the bad revision itself is the culprit', () => {
  assert.deepEqual(nextStep(2, known({ 1: 'bad' })), { kind: 'found', culprit: 1, lastGood: 0 });
  const { tested, end } = drive(2, () => 'bad');
  assert.deepEqual(tested, [1]);
  assert.deepEqual(end, { kind: 'found', culprit: 1, lastGood: 0 });
});

test('a binary search finds the first bad commit in about log2(n) probes', () => {
  for (const count of [3, 4, 9, 17, 33]) {
    for (let culprit = 1; culprit < count; culprit++) {
      const { tested, end } = drive(count, (i) => (i >= culprit ? 'bad' : 'good'));
      assert.deepEqual(end, { kind: 'found', culprit, lastGood: culprit - 1 }, `count ${count}, culprit ${culprit}`);
      assert.ok(tested.length <= 1 + Math.ceil(Math.log2(count - 1)), `count ${count}, culprit ${culprit}: ${tested.join(',')} probes`);
    }
  }
  // The middle first: 0 good .. 8 bad → 4, then 2 or 6.
  assert.deepEqual(nextStep(9, known({ 8: 'bad' })), { kind: 'test', index: 4, role: 'probe' });
  assert.deepEqual(nextStep(9, known({ 8: 'bad', 4: 'good' })), { kind: 'test', index: 6, role: 'probe' });
});

test('a skipped commit: the untested commit nearest the middle is tested instead, as git bisect skip does', () => {
  assert.deepEqual(nextStep(9, known({ 8: 'bad', 4: 'skip' })), { kind: 'test', index: 3, role: 'probe' });
  assert.deepEqual(nextStep(9, known({ 8: 'bad', 4: 'skip', 3: 'skip' })), { kind: 'test', index: 5, role: 'probe' });
  // A skipped commit that is not the culprit does not stop the search.
  const { end } = drive(9, (i) => (i === 4 ? 'skip' : i >= 6 ? 'bad' : 'good'));
  assert.deepEqual(end, { kind: 'found', culprit: 6, lastGood: 5 });
});

test('only skipped or unclear commits between the last good and the first bad: inconclusive, with the range', () => {
  // 0 good, 1 skip, 2 unclear, 3 bad: the culprit is 1, 2 or 3; nothing picks one.
  assert.deepEqual(nextStep(4, known({ 3: 'bad', 1: 'skip', 2: 'unclear' })), {
    kind: 'inconclusive',
    lastGood: 0,
    firstBad: 3,
    between: [1, 2],
  });
  const { end } = drive(6, (i) => (i === 2 || i === 3 ? 'skip' : i >= 3 ? 'bad' : 'good'));
  assert.deepEqual(end, { kind: 'inconclusive', lastGood: 1, firstBad: 4, between: [2, 3] });
});

test('an unclear commit counts like a skipped one: it stays a suspect and a neighbour is probed', () => {
  assert.deepEqual(nextStep(5, known({ 4: 'bad', 2: 'unclear' })), { kind: 'test', index: 1, role: 'probe' });
  // The unclear middle (4) is stepped around: 3, then 1, then 2.
  const { tested, end } = drive(9, (i) => (i === 4 ? 'unclear' : i >= 2 ? 'bad' : 'good'));
  assert.deepEqual(tested, [8, 4, 3, 1, 2]);
  assert.deepEqual(end, { kind: 'found', culprit: 2, lastGood: 1 });
  // Unclear right before the first bad one: it may be the culprit, so none is named.
  assert.deepEqual(drive(5, (i) => (i === 2 ? 'unclear' : i >= 3 ? 'bad' : 'good')).end, {
    kind: 'inconclusive',
    lastGood: 1,
    firstBad: 3,
    between: [2],
  });
  const noisy = drive(5, (i) => (i === 3 ? 'unclear' : i >= 3 ? 'bad' : 'good'));
  assert.deepEqual(noisy.end, { kind: 'inconclusive', lastGood: 2, firstBad: 4, between: [3] });
});

test('resuming from partial outcomes continues the same search, testing nothing again', () => {
  const truth = (i: number): BisectOutcome => (i >= 11 ? 'bad' : 'good');
  const full = drive(17, truth);
  for (let cut = 0; cut <= full.tested.length; cut++) {
    const start: Record<number, BisectOutcome> = {};
    for (const i of full.tested.slice(0, cut)) start[i] = truth(i);
    const resumed = drive(17, truth, start);
    assert.deepEqual(resumed.tested, full.tested.slice(cut), `resumed after ${cut} steps`);
    assert.deepEqual(resumed.end, full.end);
  }
});

test('a good commit after the first bad one (a change that came and went) does not move the bounds', () => {
  assert.deepEqual(nextStep(9, known({ 8: 'bad', 4: 'bad', 6: 'good' })), { kind: 'test', index: 2, role: 'probe' });
});

test('outcomesOf maps stored steps to indices (a later step of a commit wins); progress counts suspects and steps', () => {
  const commits = ['a', 'b', 'c', 'd', 'e'];
  const map = outcomesOf(
    (c) => (commits.includes(c) ? commits.indexOf(c) : undefined),
    [
      { commit_sha: 'e', outcome: 'bad' },
      { commit_sha: 'c', outcome: 'unclear' },
      { commit_sha: 'c', outcome: 'good' },
      { commit_sha: 'zzz', outcome: 'bad' },
    ],
  );
  assert.deepEqual([...map.entries()].sort(), [
    [2, 'good'],
    [4, 'bad'],
  ]);
  assert.deepEqual(progress(5, known({})), { suspects: 4, stepsLeft: 4 });
  assert.deepEqual(progress(5, map), { suspects: 2, stepsLeft: 2 });
  assert.deepEqual(progress(5, known({ 4: 'bad', 3: 'bad', 2: 'good' })), { suspects: 1, stepsLeft: 1 });
  assert.deepEqual(progress(5, known({ 4: 'good' })), { suspects: 0, stepsLeft: 0 });
});
