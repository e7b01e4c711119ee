import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { CLI } from '../helpers/native.js';
import { makeRepo, SHIM_BUILD, SHIM_C, SHORT_PLAN, spin, worktreeList } from './fixture.js';

/** Runs the CLI and sends SIGINT once `when` matches its stdout (after `delayMs`). */
function runAndInterrupt(args: string[], when: RegExp, delayMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end in time:\n${stdout}\n${stderr}`));
    }, 90_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && when.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('Ctrl-C during a step stores the run as interrupted with no worktree left; --resume finishes it without re-running stored steps', async () => {
  const { dir, cleanup } = tempDir('bisect-resume');
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'fast shim', files: { 'src/shim.c': SHIM_C, ...spin(0) } },
      { message: 'readme', files: { README: 'a\n' } },
      { message: 'broken', files: { 'src/spin.h': '#define SPIN (\n' } },
      { message: 'fixed', files: spin(0) },
      { message: 'spin in malloc', files: spin(400) },
      { message: 'readme again', files: { README: 'b\n' } },
    ]);
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, SHORT_PLAN);
    const db = join(dir, 'b.db');
    const first = await runAndInterrupt(
      ['bisect', '--repo', repo, '--good', 'HEAD~5', '--bad', 'HEAD', '--build', SHIM_BUILD, '--library', 'out/lib.so'].concat([
        '--goal',
        'speed',
        '--plan',
        plan,
        '--db',
        db,
        '--max-rounds',
        '12',
      ]),
      /^\[5\] probe [0-9a-f]{10} spin in malloc\n.*\n {4}measuring/m,
      2500,
    );
    assert.equal(first.code, 130, first.stderr + first.stdout);
    assert.match(
      first.stdout,
      /^\[2\] probe [0-9a-f]{10} broken\n {4}the build failed after .*\n {4}→ skip: build failed: the build failed \(exit code \d+\)/m,
    );
    assert.match(first.stdout, /^interrupted after 4 stored step\(s\)/m);
    assert.match(first.stdout, new RegExp(`^continue with: allocsoak bisect --db ${db} --resume 1$`, 'm'));
    assert.deepEqual(worktreeList(repo), [repo], 'no worktree left behind');
    assert.equal(existsSync(join(dir, 'bisect-1')), true, 'the cache is kept for the resume');
    let before: number[];
    let stoppedCampaign: number | undefined;
    {
      const store = openStore(db);
      try {
        assert.equal(store.bisects.get(1)?.status, 'interrupted');
        const steps = store.bisects.steps(1);
        before = steps.map((s) => s.id);
        assert.deepEqual(
          steps.map((s) => `${s.role} ${s.outcome}`),
          ['endpoint bad', 'probe skip', 'probe good', 'probe good'],
        );
        assert.equal(steps[1]?.build_ok, false);
        assert.match(steps[1]?.build_note ?? '', /^the build failed \(exit code \d+\)\nstderr: …/);
        const last = store.campaigns.list({ limit: 1 })[0];
        stoppedCampaign = last?.id;
        assert.equal(last?.status, 'stopped', 'the step in progress was stopped');
      } finally {
        store.close();
      }
    }

    const second = await runCli(['bisect', '--db', db, '--resume'], { timeoutMs: 90_000 });
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.match(second.stdout, /resumed with 4 step\(s\) already stored/);
    assert.doesNotMatch(second.stdout, /^\[[1-4]\] /m, 'no stored step runs again');
    assert.match(second.stdout, /^\[5\] probe [0-9a-f]{10} spin in malloc$/m);
    assert.match(second.stdout, /library from the run's cache/);
    assert.match(second.stdout, new RegExp(`^first bad commit: ${shas[4]?.slice(0, 10)} spin in malloc`, 'm'));
    const store = openStore(db);
    try {
      const run = store.bisects.get(1);
      assert.equal(run?.status, 'found');
      assert.equal(run?.culprit, shas[4]);
      const steps = store.bisects.steps(1);
      assert.deepEqual(
        steps.slice(0, 4).map((s) => s.id),
        before,
      );
      assert.deepEqual(
        steps.slice(4).map((s) => `${s.role} ${s.commit_sha} ${s.outcome}`),
        [`probe ${shas[4]} bad`, `confirm ${shas[3]} good`],
      );
      assert.ok((steps[4]?.campaign_id ?? 0) > (stoppedCampaign ?? 0));
    } finally {
      store.close();
    }
    assert.equal(existsSync(join(dir, 'bisect-1')), false, 'the cache is removed when the run ends');
    assert.deepEqual(worktreeList(repo), [repo]);
    const again = await runCli(['bisect', '--db', db, '--resume', '1']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /option --resume expects an interrupted run, got 1 \(it ended: found\)/);
  } finally {
    cleanup();
  }
});
