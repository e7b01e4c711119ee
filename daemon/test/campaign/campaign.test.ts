import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController, CronTicks, type CampaignEvents, type StartTicks } from '../../src/campaign/index.js';
import { openStore } from '../../src/storage/index.js';
import { FIXTURE, LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';
import { waitFor, waitForDeath } from '../helpers/proc.js';

type Recorded = { [K in keyof CampaignEvents]: { event: K; data: CampaignEvents[K][0] } }[keyof CampaignEvents];

function record(controller: CampaignController): Recorded[] {
  const events: Recorded[] = [];
  for (const name of ['campaign-started', 'epoch-started', 'epoch-launched', 'sample', 'epoch-finished', 'campaign-finished'] as const) {
    controller.on(name, (data: unknown) => void events.push({ event: name, data } as Recorded));
  }
  return events;
}

const ok = (name: string) => ({ name, command: [FIXTURE, '--mode', 'ok'] });

test('variants are interleaved round-robin, every sample stored, the campaign completes', async () => {
  const { dir, cleanup } = tempDir('campaign');
  const store = openStore(join(dir, 'a.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const events = record(controller);
    const resolved = planFrom({ name: 'rr', epoch: '700ms', warmup: '200ms', interval: '100ms', variants: [ok('A'), ok('B'), ok('C')] });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    assert.equal(controller.status().state, 'running');
    assert.equal(await started.done, 'completed');
    assert.equal(controller.status().state, 'idle');

    const epochs = store.epochs.list({ campaign: started.id }).reverse();
    assert.deepEqual(
      epochs.map((e) => e.variant),
      ['A', 'B', 'C', 'A', 'B', 'C'],
    );
    assert.ok(
      epochs.every((e) => e.outcome === 'completed'),
      JSON.stringify(epochs.map((e) => [e.outcome])),
    );
    const rows = epochs.map((e) => store.epochs.getRow(e.id)!);
    assert.deepEqual(
      rows.map((r) => r.round),
      [1, 1, 1, 2, 2, 2],
    );
    assert.ok(rows.every((r) => r.pid !== null && r.host_id !== null && r.load_avg_1m !== null && r.planned_ms === 700));
    assert.equal(store.campaigns.get(started.id)?.status, 'completed');

    // Events: in order, each sample event stored as a row.
    const order = events
      .filter((e) => e.event === 'epoch-started' || e.event === 'epoch-finished')
      .map((e) => `${e.event}:${e.data.variant}`);
    assert.deepEqual(
      order,
      ['A', 'B', 'C', 'A', 'B', 'C'].flatMap((v) => [`epoch-started:${v}`, `epoch-finished:${v}`]),
    );
    assert.equal(events[0]?.event, 'campaign-started');
    assert.equal(events.at(-1)?.event, 'campaign-finished');
    for (const e of epochs) {
      const sampleEvents = events.filter((x) => x.event === 'sample' && x.data.epoch_id === e.id).length;
      assert.ok(sampleEvents >= 4, `epoch ${e.id}: ${sampleEvents} samples`);
      assert.equal(store.samples.list(e.id).length, sampleEvents);
    }
  } finally {
    store.close();
    cleanup();
  }
});

test('a failing workload is stored with its outcome, reason and stderr; the campaign carries on', async () => {
  const { dir, cleanup } = tempDir('campaign');
  const store = openStore(join(dir, 'b.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log, killGraceMs: 300 });
    const resolved = planFrom({
      name: 'bad',
      epoch: '1s',
      warmup: '200ms',
      interval: '100ms',
      variants: [
        { name: 'crash', command: [FIXTURE, '--mode', 'crash', '--after-ms', '400'] },
        { name: 'garbage', command: [FIXTURE, '--mode', 'garbage'] },
        { name: 'exit3', command: [FIXTURE, '--mode', 'exit', '--after-ms', '300'] },
        ok('fine'),
      ],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
    assert.equal(await started.done, 'completed');
    const byVariant = new Map(store.epochs.listRows({ campaign: started.id }).map((r) => [r.variant, r]));
    const crash = byVariant.get('crash')!;
    assert.equal(crash.outcome, 'crashed');
    assert.equal(crash.signal, 'SIGSEGV');
    assert.match(crash.stderr_tail ?? '', /crash line 3 before dying/);
    assert.ok(crash.ended_at !== null);
    const garbage = byVariant.get('garbage')!;
    assert.equal(garbage.outcome, 'failed');
    assert.match(garbage.outcome_reason ?? '', /not a JSON line/);
    const exit3 = byVariant.get('exit3')!;
    assert.equal(exit3.outcome, 'failed');
    assert.equal(exit3.exit_code, 3);
    assert.equal(exit3.outcome_reason, 'exit code 3');
    assert.match(exit3.stderr_tail ?? '', /exiting with code 3/);
    const fine = byVariant.get('fine')!;
    assert.equal(fine.outcome, 'completed');
    assert.equal(fine.stderr_tail, '', 'kept for a completed epoch too: it printed nothing');
    assert.equal(fine.stderr_lines, 0);
    assert.equal(exit3.stderr_lines, 1);
    assert.equal(fine.outcome_reason, null);
  } finally {
    store.close();
    cleanup();
  }
});

test('stop() kills the workload, stores the epoch aborted and the campaign stopped', async () => {
  const { dir, cleanup } = tempDir('campaign');
  const store = openStore(join(dir, 'c.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log, killGraceMs: 500 });
    const resolved = planFrom({ name: 'long', epoch: '30s', warmup: '1s', interval: '100ms', variants: [ok('A'), ok('B')] });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: null });
    const pid = await waitFor(
      'a sample with a workload pid',
      () => {
        const s = controller.status().campaign?.current_epoch;
        return s?.last_sample && s.workload_pid !== null ? s.workload_pid : null;
      },
      10_000,
    );
    const progress = controller.status();
    assert.equal(progress.campaign?.epochs_total, null);
    assert.equal(progress.campaign?.current_epoch?.variant, 'A');
    assert.ok(await controller.stop(started.id));
    assert.equal(await started.done, 'stopped');
    assert.ok(await waitForDeath(pid, 2000), 'workload survived stop()');
    const [epoch] = store.epochs.listRows({ campaign: started.id });
    assert.equal(epoch?.outcome, 'aborted');
    assert.equal(epoch?.outcome_reason, 'the daemon was asked to stop');
    assert.ok(store.samples.list(epoch.id).length >= 1);
    assert.equal(store.campaigns.get(started.id)?.status, 'stopped');
    assert.equal(await controller.stop(), false, 'nothing left to stop');
  } finally {
    store.close();
    cleanup();
  }
});

test('a running campaign of the same plan is resumed at its next slot; others become interrupted', async () => {
  const { dir, cleanup } = tempDir('campaign');
  const store = openStore(join(dir, 'd.db'));
  try {
    const { log } = memoryLogger();
    const resolved = planFrom({
      name: 'resume',
      epoch: '500ms',
      warmup: '100ms',
      interval: '100ms',
      variants: [ok('A'), ok('B'), ok('C')],
    });
    // What a daemon killed during its 2nd epoch leaves behind: campaign running, A completed, B running.
    const cid = store.campaigns.create({ source: 'test', plan: resolved.plan, epochs_per_variant: 2 });
    const other = store.campaigns.create({ source: 'other', plan: { ...resolved.plan, name: 'other' }, epochs_per_variant: null });
    const vid = (name: string) =>
      store.variants.upsert(
        cid,
        resolved.plan.variants.find((v) => v.name === name)!,
        null,
      );
    const a = store.epochs.start({
      campaign_id: cid,
      variant_id: vid('A'),
      variant: 'A',
      round: 1,
      planned_ms: 500,
      warmup_ms: 100,
      interval_ms: 100,
    });
    store.epochs.finish(a, { outcome: 'completed' });
    store.epochs.start({
      campaign_id: cid,
      variant_id: vid('B'),
      variant: 'B',
      round: 1,
      planned_ms: 500,
      warmup_ms: 100,
      interval_ms: 100,
    });
    assert.equal(store.epochs.markRunningInterrupted(), 1);

    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    assert.equal(started.id, cid);
    assert.equal(started.resumed, true);
    assert.equal(store.campaigns.get(other)?.status, 'interrupted');
    assert.equal(await started.done, 'completed');
    const rows = store.epochs.listRows({ campaign: cid }).reverse();
    assert.deepEqual(
      rows.map((r) => `${r.variant}${r.round}:${r.outcome}`),
      ['A1:completed', 'B1:interrupted', 'C1:completed', 'A2:completed', 'B2:completed', 'C2:completed'],
    );
  } finally {
    store.close();
    cleanup();
  }
});

test('with a schedule, rounds start only at ticks; a tick during a round is dropped, not queued', async () => {
  const { dir, cleanup } = tempDir('campaign');
  const store = openStore(join(dir, 'e.db'));
  try {
    const { log } = memoryLogger();
    // The test is the clock: it fires each tick itself, once the campaign is where the tick should find it.
    let fire: () => void = () => assert.fail('no tick source was started');
    const due = new Date('2030-01-01T22:00:00.000Z');
    const startTicks: StartTicks = (expression, onTick) => {
      assert.equal(expression, '0 22 * * *');
      fire = onTick;
      return { nextRun: () => due, stop: async () => undefined };
    };
    const controller = new CampaignController({ store, launcher: LAUNCHER, log, startTicks });
    const seen: string[] = [];
    controller.on('epoch-started', (e) => seen.push(`${e.variant}${e.round}`));
    const tick = (): void => {
      seen.push('tick');
      fire();
    };
    const resolved = planFrom({
      name: 'cron',
      epoch: '400ms',
      warmup: '100ms',
      interval: '100ms',
      schedule: '0 22 * * *',
      variants: [ok('A'), ok('B')],
    });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 2 });
    const waiting = () => (controller.status().state === 'waiting' ? controller.status() : undefined);
    const first = await waitFor('the campaign waiting for its first tick', waiting);
    assert.equal(first.campaign?.next_round_at, due.toISOString());
    assert.equal(seen.length, 0, 'nothing runs before the first tick');

    tick();
    await waitFor('round 1 running', () => seen.includes('A1'));
    tick(); // comes while round 1 runs: dropped
    await waitFor('round 1 done, waiting again', waiting);
    assert.deepEqual(seen, ['tick', 'A1', 'tick', 'B1'], "round 1's two epochs ran back to back; the tick during it started nothing");

    tick();
    assert.equal(await started.done, 'completed');
    assert.deepEqual(seen, ['tick', 'A1', 'tick', 'B1', 'tick', 'A2', 'B2']);
    assert.deepEqual(
      store.epochs
        .listRows({ campaign: started.id })
        .reverse()
        .map((r) => `${r.variant}${r.round}:${r.outcome}`),
      ['A1:completed', 'B1:completed', 'A2:completed', 'B2:completed'],
    );
  } finally {
    store.close();
    cleanup();
  }
});

test('cron ticks: the expression is checked, and the clock tells when the next one is due', async () => {
  assert.throws(() => new CronTicks('every night'), /schedule: not a valid cron expression: "every night"/);
  const ticks = new CronTicks('0 22 * * *');
  try {
    const next = ticks.nextRun();
    assert.ok(next !== null && next.getTime() > Date.now() && next.getTime() <= Date.now() + 24 * 3600 * 1000, String(next));
    assert.equal(next.getMinutes(), 0);
    assert.equal(next.getHours(), 22);
  } finally {
    await ticks.close();
  }
});
