import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startDaemon } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { isAlive, waitFor, waitForDeath } from '../helpers/proc.js';

interface EpochRow {
  id: number;
  campaign_id: number;
  variant: string;
  round: number;
  outcome: string;
  outcome_reason: string | null;
  pid: number | null;
}

function readDb(file: string): { epochs: EpochRow[]; samples: Map<number, number>; campaigns: Array<{ id: number; status: string }> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const epochs = db
      .prepare('SELECT id, campaign_id, variant, round, outcome, outcome_reason, pid FROM epochs ORDER BY id')
      .all() as EpochRow[];
    const samples = new Map<number, number>();
    for (const r of db.prepare('SELECT epoch_id, COUNT(*) AS n FROM samples GROUP BY epoch_id').all() as Array<{
      epoch_id: number;
      n: number;
    }>) {
      samples.set(r.epoch_id, r.n);
    }
    const campaigns = db.prepare('SELECT id, status FROM campaigns ORDER BY id').all() as Array<{ id: number; status: string }>;
    return { epochs, samples, campaigns };
  } finally {
    db.close();
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.json();
}

test('daemon: REST over real HTTP, kill -9 mid-epoch leaves no orphan and loses nothing, restart resumes, SIGTERM exits 0', async (t) => {
  const { dir, cleanup } = tempDir('daemon');
  const plan = join(dir, 'plan.yaml');
  const db = join(dir, 'soak.db');
  writeFileSync(
    plan,
    'name: kill9\nepoch: 1500ms\nwarmup: 300ms\ninterval: 100ms\nvariants:\n' +
      '  - { name: A, allocator: glibc, args: ["--ws", "100"] }\n' +
      '  - { name: B, allocator: glibc, args: ["--ws", "200"] }\n' +
      '  - { name: C, allocator: glibc, args: ["--ws", "300"] }\n' +
      'comparisons:\n  - { baseline: A, candidate: B, goal: speed }\n',
  );
  // The default plan first, then ours: the last --plan wins (as with `npm start -- --plan ...`).
  const args = ['--plan', 'plans/does-not-exist.yaml', '--plan', plan, '--db', db, '--port', '0'];
  const first = startDaemon(args);
  t.after(() => {
    first.child.kill('SIGKILL');
    cleanup();
  });
  const url = await first.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = (await getJson(`${url}/api/v1/health`)) as { status: string };
  assert.equal(health.status, 'ok');
  // A second process on the same database is refused before it touches anything.
  const intruder = await runCli(['run', '--plan', plan, '--db', db]);
  assert.equal(intruder.code, 2);
  assert.match(intruder.stderr, new RegExp(`in use by another allocsoak process \\(pid ${first.child.pid}`));

  // A completed epoch, over HTTP.
  const listed = await waitFor('a completed epoch over HTTP', async () => {
    const epochs = (
      (await getJson(`${url}/api/v1/epochs?limit=10`)) as {
        epochs: Array<{ variant: string; outcome: string; throughput_mean: number | null }>;
      }
    ).epochs;
    return epochs.some((e) => e.outcome === 'completed') ? epochs : undefined;
  });
  const completedOverHttp = listed.find((e) => e.outcome === 'completed')!;
  assert.ok(['A', 'B', 'C'].includes(completedOverHttp.variant), completedOverHttp.variant);
  assert.ok(completedOverHttp.throughput_mean! > 0);
  const onlyB = ((await getJson(`${url}/api/v1/epochs?variant=B`)) as { epochs: Array<{ variant: string }> }).epochs;
  assert.ok(onlyB.every((e) => e.variant === 'B'));

  // kill -9 the daemon in the middle of an epoch. The daemon is frozen (SIGSTOP) while the database is read,
  // so the epoch it shows running cannot end before the kill however slow this machine is; one seen too
  // close to its end (its workload stops by itself at the epoch length) is let go and the next one taken.
  const daemonPid = first.child.pid!;
  const before = await waitFor('an epoch running, early enough in its 1.5 s', () => {
    process.kill(daemonPid, 'SIGSTOP');
    const s = readDb(db);
    const running = s.epochs.find((e) => e.outcome === 'running');
    const samples = running ? (s.samples.get(running.id) ?? 0) : 0;
    if (running?.pid != null && samples >= 3 && samples <= 8 && isAlive(running.pid)) return s;
    process.kill(daemonPid, 'SIGCONT');
    return undefined;
  });
  const cut = before.epochs.find((e) => e.outcome === 'running')!;
  const workloadPid = cut.pid!;
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(await waitForDeath(workloadPid, 3000), `workload ${workloadPid} survived the daemon's kill -9`);
  const afterKill = readDb(db);
  assert.equal(afterKill.epochs.find((e) => e.id === cut.id)?.outcome, 'running', 'nobody touched the DB after the kill');

  // Restart: the cut epoch becomes interrupted, nothing is lost, the campaign carries on.
  const second = startDaemon(args);
  t.after(() => second.child.kill('SIGKILL'));
  const url2 = await second.url;
  const next = await waitFor(
    'the resumed campaign running its next epoch',
    () => {
      const s = readDb(db);
      const r = s.epochs.find((e) => e.outcome === 'running' && e.id > cut.id);
      return r && r.pid !== null && (s.samples.get(r.id) ?? 0) >= 2 ? { s, r } : null;
    },
    20_000,
  );
  const resumed = next.s;
  const cutNow = resumed.epochs.find((e) => e.id === cut.id)!;
  assert.equal(cutNow.outcome, 'interrupted');
  assert.match(cutNow.outcome_reason ?? '', /daemon stopped during this epoch/);
  for (const e of before.epochs) {
    const now = resumed.epochs.find((x) => x.id === e.id)!;
    if (e.outcome === 'completed') assert.equal(now.outcome, 'completed');
    assert.ok((resumed.samples.get(e.id) ?? 0) >= (before.samples.get(e.id) ?? 0), `samples of epoch ${e.id} lost`);
  }
  assert.equal(resumed.samples.get(cut.id), afterKill.samples.get(cut.id));
  assert.equal(next.r.campaign_id, cut.campaign_id, 'the same campaign carries on');
  const order = ['A', 'B', 'C'];
  assert.equal(next.r.variant, order[(order.indexOf(cut.variant) + 1) % 3], 'round-robin position continues after the cut epoch');
  assert.deepEqual(
    resumed.campaigns.map((c) => c.status),
    ['running'],
  );
  const epochsOverHttp = ((await getJson(`${url2}/api/v1/epochs`)) as { epochs: Array<{ id: number; outcome: string }> }).epochs;
  assert.equal(epochsOverHttp.find((e) => e.id === cut.id)?.outcome, 'interrupted');
  // The comparison's verdict after the restart counts the epochs completed before the kill.
  const completedBefore = (v: string): number => before.epochs.filter((e) => e.variant === v && e.outcome === 'completed').length;
  const verdict = (await getJson(`${url2}/api/v1/compare?baseline=A&candidate=B`)) as {
    epochs: { baseline: { completed: number }; candidate: { completed: number } };
    campaigns: Array<{ campaign: number; baseline: number; candidate: number }>;
  };
  assert.ok(completedBefore('A') >= 1);
  assert.ok(verdict.epochs.baseline.completed >= completedBefore('A'), JSON.stringify(verdict.epochs));
  assert.ok(verdict.epochs.candidate.completed >= completedBefore('B'), JSON.stringify(verdict.epochs));
  assert.deepEqual(
    verdict.campaigns.map((c) => c.campaign),
    [cut.campaign_id],
  );

  // SIGTERM: the epoch running then is aborted, the campaign stopped, exit 0 within 10 s, no workload left.
  // That epoch is the last one: `next`, or one after it when a busy machine let `next` end during the calls above.
  const t0 = Date.now();
  second.child.kill('SIGTERM');
  const exit = await second.exited;
  const took = Date.now() - t0;
  assert.equal(exit.code, 0, second.stderr());
  assert.ok(took < 10_000, `shutdown took ${took} ms`);
  const final = readDb(db);
  const last = final.epochs.at(-1)!;
  assert.ok(last.id >= next.r.id, `the last epoch ${last.id} is before ${next.r.id}`);
  assert.equal(last.outcome, 'aborted');
  for (const pid of [next.r.pid, last.pid]) {
    if (pid !== null) assert.ok(await waitForDeath(pid, 1000), `workload ${pid} survived SIGTERM`);
  }
  assert.deepEqual(
    final.campaigns.map((c) => c.status),
    ['stopped'],
  );
  assert.ok(!final.epochs.some((e) => e.outcome === 'running'));
});
