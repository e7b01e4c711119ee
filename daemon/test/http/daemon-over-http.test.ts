/**
 * The real thing over real HTTP: `allocsoak daemon` started with ALLOCSOAK_TOKEN, its own campaign
 * stopped by POST, a campaign started by POST, watched through /status, stopped by POST; the token
 * never appears in the daemon's log; SIGTERM ends it with status 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { CLI } from '../helpers/native.js';
import { waitFor } from '../helpers/proc.js';
import { quickPlan } from './helpers.js';

type Json = Record<string, unknown>;

const TOKEN = 'over-http-7d1e0b5c9a2f4e68';

test('allocsoak daemon over HTTP: token-guarded start and stop of campaigns, /status, no token in the log', async () => {
  const { dir, cleanup } = tempDir('http-daemon');
  const planFile = join(dir, 'plan.yaml');
  writeFileSync(
    planFile,
    'name: from-file\nepoch: 20s\nwarmup: 200ms\ninterval: 100ms\nvariants:\n  - name: filed\n    allocator: glibc\n    args: ["--ws", "64"]\n',
  );
  const child = spawn(process.execPath, [CLI, 'daemon', '--plan', planFile, '--db', join(dir, 'd.db'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ALLOCSOAK_TOKEN: TOKEN, ALLOCSOAK_LOG_LEVEL: 'debug' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  try {
    const url = await waitFor('the daemon to serve', () => {
      if (child.exitCode !== null) throw new Error(`daemon exited early:\n${out}\n${err}`);
      return /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
    });
    const call = async (
      method: string,
      path: string,
      opts: { token?: string; body?: unknown } = {},
    ): Promise<{ status: number; body: Json }> => {
      const headers: Record<string, string> = {};
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
      return { status: res.status, body: (await res.json()) as Json };
    };

    // the daemon's own continuous campaign is running
    const first = await waitFor('the plan campaign', async () => {
      const s = await call('GET', '/api/v1/status');
      return (s.body.campaign as Json | null) !== null ? s.body : undefined;
    });
    const own = (first.campaign as { id: number; name: string }).id;
    assert.equal((first.campaign as Json).name, 'from-file');

    // no or wrong token: 401; right token while it runs: 409 naming it
    assert.equal((await call('POST', '/api/v1/campaigns', { body: { plan: quickPlan('over-http') } })).status, 401);
    assert.equal((await call('POST', '/api/v1/campaigns', { token: 'nope', body: { plan: quickPlan('over-http') } })).status, 401);
    const busy = await call('POST', '/api/v1/campaigns', { token: TOKEN, body: { plan: quickPlan('over-http') } });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.running_campaign_id, own);

    const stopOwn = await call('POST', `/api/v1/campaigns/${own}/stop`, { token: TOKEN });
    assert.equal(stopOwn.status, 200);
    assert.equal((stopOwn.body.campaign as Json).status, 'stopped');

    const started = await call('POST', '/api/v1/campaigns', { token: TOKEN, body: { plan: { ...quickPlan('over-http'), epoch: '20s' } } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = (started.body.campaign as { id: number }).id;
    assert.notEqual(id, own);

    const live = await waitFor('a live sample of the posted campaign', async () => {
      const s = (await call('GET', '/api/v1/status')).body as Json & {
        current_epoch: (Json & { last_sample: Json | null }) | null;
        campaign: Json | null;
      };
      return s.campaign?.id === id && s.current_epoch?.last_sample != null ? s : undefined;
    });
    // Normally qa's first epoch; on a very busy machine qa may have missed its first samples' deadline
    // (a timeout, as the daemon rules) and qb run next: the stop must work on whichever runs.
    const running = live.current_epoch!.variant;
    assert.equal(live.next_variant, running === 'qa' ? 'qb' : 'qa');
    assert.ok((live.current_epoch!.last_sample!.ops_per_sec as number) > 0);

    const stop = await call('POST', `/api/v1/campaigns/${id}/stop`, { token: TOKEN });
    assert.equal(stop.status, 200);
    assert.equal((stop.body.campaign as Json).status, 'stopped');
    const epochs = (await call('GET', `/api/v1/epochs?campaign=${id}`)).body.epochs as Json[];
    assert.deepEqual([epochs[0]?.variant, epochs[0]?.outcome], [running, 'aborted']);
    assert.ok(!epochs.some((e) => e.outcome === 'running'));
    const status = await call('GET', '/api/v1/status');
    assert.equal(status.body.state, 'idle');
    assert.equal((await call('GET', '/api/v1/nothing-here')).status, 404);

    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, err);
    assert.ok(out.includes('mutating request refused'), 'the refused requests were logged');
    assert.ok(out.includes('campaign started over HTTP'));
    assert.ok(!out.includes(TOKEN) && !err.includes(TOKEN), 'the token is in the daemon output');
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    cleanup();
  }
});
