/** Steps until a comparison settles: a fixed rotation pays for every comparison each cycle, the adaptive one only for the open. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepsToSettle, type Standing } from '../../src/judgement/index.js';

const standings: Standing[] = [
  { baseline: 'speed', candidate: 'lean', more: 3 },
  { baseline: 'speed', candidate: 'balanced', more: 1 },
  { baseline: 'mimalloc', candidate: 'speed', more: null },
];

test('duet: one round per comparison per cycle; adaptive skips the settled and those done sooner', () => {
  assert.equal(stepsToSettle(standings, 0, { duet: true, adaptive: false, variants: 4 }), 9);
  // Cycle 1: lean and balanced; cycles 2 and 3: lean alone.
  assert.equal(stepsToSettle(standings, 0, { duet: true, adaptive: true, variants: 4 }), 4);
  assert.equal(stepsToSettle(standings, 1, { duet: true, adaptive: true, variants: 4 }), 2);
  assert.equal(stepsToSettle(standings, 2, { duet: true, adaptive: true, variants: 4 }), null);
});

test('sequential: every variant per cycle, or under the adaptive schedule the variants of open comparisons', () => {
  assert.equal(stepsToSettle(standings, 0, { duet: false, adaptive: false, variants: 4 }), 12);
  // Cycle 1: speed, lean, balanced; cycles 2 and 3: speed and lean.
  assert.equal(stepsToSettle(standings, 0, { duet: false, adaptive: true, variants: 4 }), 7);
});
