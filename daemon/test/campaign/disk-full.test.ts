/**
 * The database fills up while a real campaign writes to it, then space returns. Two ways: `PRAGMA
 * max_page_count` set to the file's size on the daemon's own connection (SQLite answers SQLITE_FULL as on a
 * full disk; runs anywhere), and, where this process may mount (root), a real 16 MiB tmpfs filled to the last
 * byte by another file. Completed epochs stay intact, the epoch in progress ends `failed` with the reason, no
 * epoch starts while the database refuses writes, the status, the log and the metrics say so, and the
 * campaign resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CampaignController } from '../../src/campaign/index.js';
import { statusView } from '../../src/http/routes/status.js';
import { AllocsoakMetrics } from '../../src/metrics/index.js';
import { integrityCheck, openStore, type Store } from '../../src/storage/index.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';
import { LAUNCHER } from '../helpers/native.js';
import { waitFor } from '../helpers/proc.js';

/** How the disk fills up (called from a sample event, mid-epoch) and how space returns. */
interface Disk {
  fill(store: Store): void;
  free(store: Store): void;
}

const PAGE_LIMIT: Disk = {
  fill(store) {
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    assert.equal(store.db.pragma(`max_page_count = ${pages}`, { simple: true }), pages);
  },
  free(store) {
    store.db.pragma('max_page_count = 1073741823');
  },
};

/** A file that takes every free byte of the file system `dir` is on. */
function filler(dir: string): Disk {
  const file = join(dir, 'filler');
  return {
    fill() {
      const fd = openSync(file, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(file);
    },
  };
}

test('disk full mid-epoch (SQLite page limit): completed epochs intact, the epoch in progress failed with the reason, the daemon resumes', async () => {
  const { dir, cleanup } = tempDir('disk-full');
  try {
    await diskFull(dir, PAGE_LIMIT);
  } finally {
    cleanup();
  }
});

test('disk full mid-epoch on a real 16 MiB tmpfs: the same', async (t) => {
  const { dir, cleanup } = tempDir('disk-full-tmpfs');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'allocsoak-test', mnt], { stdio: 'pipe' });
  } catch (err) {
    cleanup();
    t.skip(`cannot mount a tmpfs here (${String((err as { stderr?: unknown }).stderr ?? err).trim()}): the page-limit test covers it`);
    return;
  }
  try {
    await diskFull(mnt, filler(mnt));
  } finally {
    execFileSync('umount', [mnt]);
    cleanup();
  }
});

async function diskFull(dir: string, disk: Disk): Promise<void> {
  const file = join(dir, 'soak.db');
  const store = openStore(file);
  const { log, lines } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log, storageRetryMs: 100, storageProbeBytes: 64 * 1024 });
  const metrics = new AllocsoakMetrics({
    store,
    state: () => controller.status().state,
    storage: () => controller.storage.status(),
    defaultMetrics: false,
  });
  metrics.follow(controller);
  try {
    await scenario(store, controller, metrics, lines, file, disk);
  } finally {
    await controller.stop();
    await controller.whenIdle();
    store.close();
  }
}

async function scenario(
  store: Store,
  controller: CampaignController,
  metrics: AllocsoakMetrics,
  lines: Array<Record<string, unknown>>,
  file: string,
  disk: Disk,
): Promise<void> {
  // leanmalloc's samples carry its counters (a few hundred bytes each): an epoch needs several new pages.
  const resolved = planFrom({
    name: 'disk-full',
    epoch: '1s',
    warmup: '100ms',
    interval: '20ms',
    variants: [{ name: 'A', allocator: 'leanmalloc', args: ['--ws', '100'] }],
  });
  const started = controller.start({ resolved, source: 'test', epochsPerVariant: null });
  const completed = () => store.epochs.list({ campaign: started.id, outcome: 'completed' });
  await waitFor('two completed epochs', () => completed().length >= 2, 30_000);

  // The disk fills up in the middle of the next epoch: no page may be added to the file any more.
  const kept = new Map(completed().map((e) => [e.id, { samples: store.samples.list(e.id).length, row: store.epochs.getRow(e.id) }]));
  let fullEpoch: number | null = null;
  const fill = (e: { epoch_id: number; sample: { t_ms: number } }): void => {
    if (fullEpoch !== null || kept.has(e.epoch_id) || e.sample.t_ms < 100) return;
    fullEpoch = e.epoch_id;
    disk.fill(store);
  };
  controller.on('sample', fill);
  await waitFor('the database to refuse a write', () => !controller.status().storage.ok, 20_000);
  controller.off('sample', fill);
  assert.notEqual(fullEpoch, null);

  const failing = statusView(controller.status()).storage;
  assert.equal(failing.ok, false);
  assert.match(failing.last_error?.code ?? '', /^SQLITE_FULL$/);
  assert.equal(failing.last_error?.kind, 'full');
  assert.match(failing.last_error?.what ?? '', /^storing the sample at t=/);
  assert.ok(failing.errors_total.full >= 1);
  let text = await metrics.metrics();
  assert.match(text, /^allocsoak_storage_failing 1$/m);
  assert.match(text, /^allocsoak_storage_errors_total\{kind="full"\} [1-9]\d*$/m);
  assert.match(text, /^allocsoak_storage_errors_total\{kind="io"\} 0$/m);
  const logged = lines.find((l) => l.level === 50 && String(l.msg).startsWith('the database cannot be written (disk full)'));
  assert.ok(logged, JSON.stringify(lines.slice(-5)));
  assert.equal(logged.code, 'SQLITE_FULL');
  assert.equal(logged.epoch, fullEpoch);

  // While full, retried every 100 ms: the workload was stopped and no epoch starts.
  const epochsWhileFull = store.epochs.list({ campaign: started.id }).length;
  await sleep(1500);
  assert.equal(store.epochs.list({ campaign: started.id }).length, epochsWhileFull, 'no epoch started while the disk was full');
  assert.equal(controller.status().state, 'running');
  assert.equal(controller.status().campaign?.current_epoch, null, 'no workload runs');
  assert.equal(controller.status().storage.ok, false);

  // Space returns: the campaign carries on.
  disk.free(store);
  await waitFor('writes to succeed again', () => controller.status().storage.ok, 20_000);
  await waitFor('a completed epoch after the failed one', () => completed().some((e) => e.id > (fullEpoch as number)), 30_000);

  const failed = store.epochs.getRow(fullEpoch as unknown as number);
  assert.equal(failed?.outcome, 'failed');
  assert.match(
    failed?.outcome_reason ?? '',
    /^the daemon could not write to its database storing the sample at t=[\d.]+ ms: .*\(SQLITE_FULL\); the workload was stopped, the \d+ sample\(s\) stored before are kept$/,
  );
  assert.ok(failed?.ended_at !== null);
  for (const [id, before] of kept) {
    assert.equal(store.samples.list(id).length, before.samples, `epoch ${id} keeps its samples`);
    assert.deepEqual(store.epochs.getRow(id), before.row, `epoch ${id} is unchanged`);
  }
  // Every epoch of the campaign but the one that met the full disk completed; the rotation kept its slots.
  const all = store.epochs.listRows({ campaign: started.id }).reverse();
  assert.deepEqual(
    all.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running').map((e) => [e.id, e.outcome]),
    [[fullEpoch, 'failed']],
  );
  assert.deepEqual(
    all.map((e) => e.round),
    all.map((_, i) => i + 1),
  );
  const recovered = controller.status().storage;
  assert.equal(recovered.failing_since, null);
  assert.ok(recovered.recovered_at !== null);
  assert.deepEqual(recovered.pending_epochs, []);
  assert.ok(lines.some((l) => l.msg === 'the database takes writes again: epochs resume'));
  text = await metrics.metrics();
  assert.match(text, /^allocsoak_storage_failing 0$/m);
  assert.match(text, /^allocsoak_storage_errors_total\{kind="full"\} [1-9]\d*$/m);
  assert.deepEqual(integrityCheck(file), ['ok']);
}
