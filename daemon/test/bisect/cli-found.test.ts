import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { compare } from '../../src/verdicts/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { makeRepo, SHIM_BUILD, SHIM_C, SHORT_PLAN, spin, worktreeList } from './fixture.js';

test('allocsoak bisect finds the commit that made malloc slower, confirms it on its parent, and each step reads only its own rounds', async () => {
  const { dir, cleanup } = tempDir('bisect-found');
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'fast shim', files: { 'src/shim.c': SHIM_C, ...spin(0) } },
      { message: 'readme only', files: { README: 'a\n' } }, // the same library bytes as the good build
      { message: 'spin in malloc', files: spin(400) },
      { message: 'readme again', files: { README: 'b\n' } }, // the same bytes as its parent
      { message: 'broken build', files: { 'src/shim.c': 'this is not C\n' } },
    ]);
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, SHORT_PLAN);
    const db = join(dir, 'b.db');
    // The bad end is the commit before the broken one: `--bad HEAD~1`.
    const r = await runCli(
      ['bisect', '--repo', repo, '--good', shas[0] as string, '--bad', 'HEAD~1', '--build', SHIM_BUILD, '--library', 'out/lib.so'].concat([
        '--goal',
        'speed',
        '--plan',
        plan,
        '--db',
        db,
        '--max-rounds',
        '12',
      ]),
      { timeoutMs: 90_000 },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^\[1\] endpoint [0-9a-f]{10} readme again\n/m);
    assert.match(r.stdout, /→ good: not measured: the library's bytes are the good build's \(same sha256\)/);
    assert.match(r.stdout, /^confirming: re-testing the culprit's parent [0-9a-f]{10} against the good build$/m);
    const culprit = shas[2] as string;
    assert.match(
      r.stdout,
      new RegExp(
        `^first bad commit: ${culprit.slice(0, 10)} spin in malloc \\(NO-GO, throughput per CPU-second 0\\.\\d+ \\[.*\\], \\d+ pairs\\); its parent ${shas[1]?.slice(0, 10)} re-tested good \\((NEUTRAL|GO), `,
        'm',
      ),
    );
    const store = openStore(db);
    try {
      const run = store.bisects.get(1);
      assert.equal(run?.status, 'found');
      assert.equal(run?.culprit, culprit);
      assert.equal(run?.commits.length, 4);
      const steps = store.bisects.steps(1);
      assert.deepEqual(
        steps.map((s) => `${s.role} ${s.commit_sha.slice(0, 7)} ${s.outcome} ${s.verdict ?? '-'}`),
        [
          `endpoint ${shas[3]?.slice(0, 7)} bad NO-GO`,
          `probe ${shas[1]?.slice(0, 7)} good -`,
          `probe ${shas[2]?.slice(0, 7)} bad NO-GO`,
          `confirm ${shas[1]?.slice(0, 7)} good ${steps[3]?.verdict}`,
        ],
      );
      // Steps 1 and 3 ran the same library bytes, and the confirmation the good build's own: each verdict
      // still reads the rounds of its own campaign only.
      assert.equal(steps[0]?.library_sha256, steps[2]?.library_sha256);
      assert.equal(steps[1]?.campaign_id, null);
      for (const [i, s] of steps.entries()) {
        if (s.campaign_id === null) continue;
        const v = compare(store, { baseline: `good.b1s${i + 1}`, candidate: `step.b1s${i + 1}`, campaign: s.campaign_id });
        assert.deepEqual(
          v.campaigns.map((c) => c.campaign),
          [s.campaign_id],
          `step ${i + 1}`,
        );
        assert.equal(v.epochs.pairs, s.pairs);
        assert.equal(v.verdict, s.verdict);
      }
      assert.ok((steps[0]?.ratio_hi ?? 1) < 0.9, 'the spin costs far more than the margin');
    } finally {
      store.close();
    }
    assert.equal(existsSync(join(dir, 'bisect-1')), false);
    assert.deepEqual(worktreeList(repo), [repo]);
  } finally {
    cleanup();
  }
});
