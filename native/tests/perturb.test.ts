// The thread-churn stress in the schedule-perturbing build (native/build-debug-perturb: DEBUG=1
// PERTURB=1). With LEANMALLOC_PERTURB_US set, threads sleep or yield at the hand-off points of
// superslabs (given back to the cache, taken from it, abandoned, taken for adoption) and now and
// then after a remote free, so the interleavings that break a racy hand-off happen in every run
// instead of once in thousands. A correct allocator survives any delay; every run must pass.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBUG_PERTURB, PROFILES, assertOk, make, run, testBin } from './fixtures/leanmalloc.js';

const bin = (name: string): string => testBin(DEBUG_PERTURB, name);
/** Runs per profile: each takes well under a second; locally the suite was run 100 times per profile. */
const RUNS = 12;

before(() => make(DEBUG_PERTURB, ['tests']));

test('the perturbation points are compiled in and honour LEANMALLOC_PERTURB_US', () => {
  const r = run(bin('alloc_config'), [], { LEANMALLOC_PERTURB_US: 'lots' });
  assertOk(r, 'alloc_config');
  assert.equal(r.stderr, "leanmalloc: invalid LEANMALLOC_PERTURB_US='lots' (expected 0..100000 microseconds); using 0\n");
});

for (const p of PROFILES) {
  describe(`perturbed schedules, profile ${p.name}`, () => {
    test(`thread churn survives ${RUNS} perturbed runs`, () => {
      for (let i = 0; i < RUNS; i++) {
        const r = run(bin('alloc_stress'), ['churn', '2'], { ...p.env, LEANMALLOC_PERTURB_US: '200' });
        assertOk(r, `alloc_stress churn, perturbed run ${i + 1} of ${RUNS}`);
        assert.match(r.stdout, /^ok churn threads=\d+ exchanged=\d+ orphans=\d+/m);
      }
    });

    test('rounds and pingpong survive perturbed runs', () => {
      for (let i = 0; i < 2; i++) {
        const r = run(bin('alloc_stress'), ['rounds'], { ...p.env, LEANMALLOC_PERTURB_US: '200' });
        assertOk(r, `alloc_stress rounds, perturbed run ${i + 1}`);
        const q = run(bin('alloc_stress'), ['pingpong'], { ...p.env, LEANMALLOC_PERTURB_US: '200' });
        assertOk(q, `alloc_stress pingpong, perturbed run ${i + 1}`);
      }
    });

    test('the older thread-churn test survives a perturbed run', () => {
      const r = run(bin('alloc_threads'), ['2000'], { ...p.env, LEANMALLOC_PERTURB_US: '200' });
      assertOk(r, 'alloc_threads, perturbed');
    });
  });
}
