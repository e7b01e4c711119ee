/** `allocsoak serve`: an earlier campaign's database over HTTP, with nothing started. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { runCli, startServing } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { waitForDeath } from '../helpers/proc.js';

/** Child processes of `pid` (every thread's children). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list !== '') out.push(...list.split(' ').map(Number));
  }
  return out;
}

test('serve over the database of an earlier campaign: REST lists its epochs, nothing is started or changed', async (t) => {
  const { dir, cleanup } = tempDir('serve');
  const plan = join(dir, 'plan.yaml');
  const db = join(dir, 'soak.db');
  writeFileSync(
    plan,
    'name: earlier\nepoch: 1s\nwarmup: 300ms\ninterval: 100ms\nvariants:\n  - { name: a, allocator: glibc, args: ["--ws", "100"] }\n',
  );
  const ran = await runCli(['run', '--plan', plan, '--db', db, '--epochs', '2']);
  assert.equal(ran.code, 0, ran.stderr);

  // An epoch left `running` (as by a daemon killed -9, or one still at work on this file): serve must not touch it.
  let store = openStore(db);
  const variant = store.variants.listForCampaign(1)[0];
  assert.ok(variant !== undefined);
  const running = store.epochs.start({
    campaign_id: 1,
    variant_id: variant.id,
    variant: 'a',
    round: 3,
    planned_ms: 1000,
    warmup_ms: 300,
    interval_ms: 100,
    started_at: new Date().toISOString(),
    host_id: null,
  });
  const before = { campaigns: store.campaigns.list().length, epochs: store.epochs.listRows({}).length };
  store.close();

  const serve = startServing('serve', ['--db', db, '--port', '0']);
  t.after(() => {
    serve.child.kill('SIGKILL');
    cleanup();
  });
  const url = await serve.url;
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as Record<string, unknown>;
  };
  const epochs = (await get('/api/v1/epochs?limit=10')).epochs as Array<{ variant: string; outcome: string; campaign_id: number }>;
  assert.deepEqual(
    epochs.map((e) => `${e.campaign_id}:${e.variant}:${e.outcome}`),
    ['1:a:running', '1:a:completed', '1:a:completed'],
  );
  const campaigns = (await get('/api/v1/campaigns')).campaigns as Array<{ id: number; name: string; running: boolean }>;
  assert.deepEqual(
    campaigns.map((c) => [c.id, c.name, c.running]),
    [[1, 'earlier', false]],
  );
  assert.equal((await get('/api/v1/status')).state, 'idle');
  const metrics = await fetch(`${url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /allocsoak_epochs_total\{variant="a",outcome="completed"\} 2/);
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);

  // Starting a campaign is refused whatever the token: this server only shows the database.
  const post = await fetch(`${url}/api/v1/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
    body: JSON.stringify({ plan: { variants: [{ name: 'x', allocator: 'glibc' }] } }),
  });
  assert.equal(post.status, 403);
  assert.match(((await post.json()) as { message: string }).message, /allocsoak serve/);
  const pid = serve.child.pid as number;
  assert.deepEqual(children(pid), [], 'serve runs no child process');

  serve.child.kill('SIGTERM');
  assert.deepEqual(await serve.exited, { code: 0, signal: null });
  assert.ok(await waitForDeath(pid, 5000));
  store = openStore(db);
  try {
    assert.equal(store.campaigns.list().length, before.campaigns, 'no new campaign row');
    assert.equal(store.epochs.listRows({}).length, before.epochs, 'no new epoch');
    assert.equal(store.epochs.get(running)?.outcome, 'running', 'the running epoch was not marked interrupted');
  } finally {
    store.close();
  }
});
