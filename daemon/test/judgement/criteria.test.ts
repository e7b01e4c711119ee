/** Criteria keys, defaults and the validator the plan code calls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidCriteria, criteriaErrors, defaultCriteria, resolveCriteria } from '../../src/judgement/criteria.js';

test('defaults: memory GO at −70 % or < 10 MiB for ≤ 5 % cost, NO-GO under 50 %, syscalls 1e-6/1e-5, CV 2 %', () => {
  const m = defaultCriteria('memory');
  assert.equal(m.rss_cut_go_pct, 70);
  assert.equal(m.rss_go_below_bytes, 10 * 1024 * 1024);
  assert.equal(m.rss_cut_nogo_pct, 50);
  assert.equal(m.throughput_cost_max_pct, 5);
  assert.equal(m.syscalls_go_per_op, 1e-6);
  assert.equal(m.syscalls_nogo_per_op, 1e-5);
  assert.equal(m.cv_max_pct, 2);
  assert.ok(defaultCriteria('speed').slowdown_tolerance_pct < 0.46, 'a −0.46 % slowdown must be able to be NO-GO');
});

test('valid overrides pass and resolve; numeric strings are accepted', () => {
  assert.deepEqual(criteriaErrors('memory', { throughput_cost_max_pct: 10, syscalls_go_per_op: '1e-7' }, 'comparisons[0].criteria'), []);
  const c = resolveCriteria('memory', { throughput_cost_max_pct: 10, syscalls_go_per_op: '1e-7' });
  assert.equal(c.throughput_cost_max_pct, 10);
  assert.equal(c.syscalls_go_per_op, 1e-7);
  assert.deepEqual(criteriaErrors('speed', undefined), []);
});

test('errors name comparisons[i].criteria.<key> and what was expected', () => {
  const p = 'plans/x.yaml: comparisons[2].criteria';
  assert.deepEqual(criteriaErrors('speed', { speedup_min_pct: 'fast' }, p), [
    `${p}.speedup_min_pct: expected a number at least 0 and at most 1000 (%), got "fast"`,
  ]);
  assert.match(
    criteriaErrors('speed', { rss_cut_go_pct: 70 }, p)[0] ?? '',
    /comparisons\[2\]\.criteria\.rss_cut_go_pct: expected a criterion of goal speed \(rss_cut_go_pct applies only to goal memory\)/,
  );
  assert.match(
    criteriaErrors('memory', { rss_cut: 70 }, p)[0] ?? '',
    /criteria\.rss_cut: expected a known criterion \(one of confidence, min_epochs/,
  );
  assert.match(criteriaErrors('memory', { confidence: 1 }, p)[0] ?? '', /confidence: expected a number greater than 0.5 and less than 1/);
  assert.match(criteriaErrors('memory', { min_epochs: 2.5 }, p)[0] ?? '', /min_epochs: expected an integer/);
  assert.match(criteriaErrors('memory', { rss_cut_go_pct: 40 }, p)[0] ?? '', /rss_cut_go_pct: expected at least rss_cut_nogo_pct \(50\)/);
  assert.match(criteriaErrors('memory', [1, 2], p)[0] ?? '', /criteria: expected a mapping of criterion names to numbers, got a list/);
  assert.throws(() => assertValidCriteria('speed', { nope: 1 }, p), /comparisons\[2\]\.criteria\.nope/);
});

test('the plan validator reports bad criteria with the file and comparisons[i].criteria.<key>', async () => {
  const { validatePlan } = await import('../../src/plan/validate.js');
  const plan = {
    variants: [
      { name: 'a', allocator: 'glibc' },
      { name: 'b', allocator: 'glibc' },
      { name: 'c', allocator: 'glibc' },
    ],
    comparisons: [
      { baseline: 'a', candidate: 'b', goal: 'memory', criteria: { throughput_cost_max_pct: 10 } },
      { baseline: 'a', candidate: 'c', goal: 'speed', criteria: { speedup_min_pct: -1, rss_cut_go_pct: 70, typo_pct: 1 } },
    ],
  };
  assert.throws(
    () => validatePlan(plan, 'plans/x.yaml'),
    (err: Error) => {
      assert.match(
        err.message,
        /plans\/x\.yaml: comparisons\[1\]\.criteria\.speedup_min_pct: expected a number at least 0 and at most 1000 \(%\), got -1/,
      );
      assert.match(err.message, /comparisons\[1\]\.criteria\.rss_cut_go_pct: expected a criterion of goal speed/);
      assert.match(err.message, /comparisons\[1\]\.criteria\.typo_pct: expected a known criterion/);
      assert.doesNotMatch(err.message, /comparisons\[0\]/);
      return true;
    },
  );
  const ok = validatePlan({ ...plan, comparisons: [plan.comparisons[0]] }, 'plans/x.yaml');
  assert.deepEqual(ok.comparisons[0]?.criteria, { throughput_cost_max_pct: 10 });
});
