import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/storage/index.js';
import { tempDbPath, testPlan } from './helpers.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

test('bisect runs: created running, with their range and plan; steps stored in order; finished, reopened; kept across reopening the file', () => {
  const file = tempDbPath();
  let store = openStore(file);
  const plan = testPlan();
  const commits = [
    { commit: A, subject: 'good' },
    { commit: B, subject: 'middle' },
    { commit: C, subject: 'bad' },
  ];
  const id = store.bisects.create({
    repo: '/r',
    good: 'v1',
    bad: 'HEAD',
    build_command: 'make',
    library: 'lib.so',
    goal: 'speed',
    plan,
    commits,
  });
  const campaign = store.campaigns.create({ source: 'bisect', plan });
  store.bisects.addStep({
    run_id: id,
    commit_sha: C,
    role: 'endpoint',
    build_ok: true,
    build_note: null,
    library_sha256: 'f'.repeat(64),
    campaign_id: campaign,
    verdict: 'NO-GO',
    measure: 'throughput per CPU-second',
    ratio: 0.95,
    ratio_lo: 0.94,
    ratio_hi: 0.96,
    pairs: 7,
    outcome: 'bad',
    started_at: '2026-11-29T07:00:00.000Z',
  });
  store.bisects.addStep({
    run_id: id,
    commit_sha: B,
    role: 'probe',
    build_ok: false,
    build_note: 'exit 2: cc: error',
    library_sha256: null,
    campaign_id: null,
    verdict: null,
    measure: null,
    ratio: null,
    ratio_lo: null,
    ratio_hi: null,
    pairs: null,
    outcome: 'skip',
    started_at: '2026-11-29T07:01:00.000Z',
  });
  const run = store.bisects.get(id);
  assert.equal(run?.status, 'running');
  assert.deepEqual(run?.commits, commits);
  assert.deepEqual(run?.plan, plan);
  store.bisects.finish(id, 'interrupted', null, 'stopped by SIGINT');
  store.close();

  store = openStore(file);
  assert.equal(store.bisects.get(id)?.status, 'interrupted');
  const steps = store.bisects.steps(id);
  assert.deepEqual(
    steps.map((s) => [s.commit_sha, s.role, s.build_ok, s.outcome]),
    [
      [C, 'endpoint', true, 'bad'],
      [B, 'probe', false, 'skip'],
    ],
  );
  assert.equal(steps[0]?.ratio_lo, 0.94);
  store.bisects.reopen(id);
  assert.equal(store.bisects.get(id)?.status, 'running');
  assert.equal(store.bisects.steps(id).length, 2, 'reopening keeps the steps');
  store.bisects.finish(id, 'found', C, 'first bad commit cccccc');
  assert.deepEqual(
    store.bisects.list().map((r) => [r.id, r.status, r.culprit]),
    [[id, 'found', C]],
  );
  assert.throws(() => store.bisects.finish(id, 'bogus' as 'found', null, null), /CHECK constraint/);
  store.close();
});
