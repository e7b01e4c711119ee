/** What the HTTP tests share: an app on a real SQLite file, seeded through the store API. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CampaignController } from '../../src/campaign/index.js';
import { buildApp, type AppOptions } from '../../src/http/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';
import { LAUNCHER } from '../helpers/native.js';

export const TOKEN = 'test-token-3f9c2a7e51b04d8c';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  controller: CampaignController;
  /** JSON log lines of the app (level debug). */
  lines: Array<Record<string, unknown>>;
  dir: string;
  close(): Promise<void>;
}

export async function makeApp(options: Partial<AppOptions> = {}, opts: { logRequests?: boolean } = {}): Promise<TestApp> {
  const { dir, cleanup } = tempDir('http');
  const store = openStore(join(dir, 'api.db'));
  const { log, lines } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log, killGraceMs: 500 });
  const app = await buildApp(
    { store, controller, options: { version: '9.9.9', token: null, allowCommands: false, ...options } },
    opts.logRequests === false ? {} : { logger: log },
  );
  return {
    app,
    store,
    controller,
    lines,
    dir,
    async close() {
      await controller.stop();
      await controller.whenIdle();
      await app.close();
      store.close();
      cleanup();
    },
  };
}

export interface Seeded {
  campaign: number;
  /** epoch ids per variant, oldest first */
  ids: Record<string, number[]>;
  startedAt: string[];
}

/**
 * One campaign, variants speed and lean, 3 rounds each (lean's last crashed with a stderr tail), epochs
 * started a minute apart from 2026-01-01T00:00Z.
 */
export function seed(store: Store): Seeded {
  const resolved = planFrom({
    name: 'seeded',
    epoch: '1s',
    warmup: '0s',
    interval: '100ms',
    variants: [
      { name: 'speed', allocator: 'glibc' },
      { name: 'lean', allocator: 'glibc' },
    ],
  });
  const campaign = store.campaigns.create({ source: 'test', plan: resolved.plan, epochs_per_variant: 3 });
  const ids: Record<string, number[]> = { speed: [], lean: [] };
  const startedAt: string[] = [];
  const host = store.hosts.upsert({ hostname: 'box', kernel: '6.1.0', cpu_model: 'Test CPU', cores: 2, thp: 'madvise' });
  let minute = 0;
  for (let round = 1; round <= 3; round++) {
    for (const v of resolved.plan.variants) {
      const vid = store.variants.upsert(campaign, v, null);
      const started = new Date(Date.UTC(2026, 0, 1, 0, minute++)).toISOString();
      startedAt.push(started);
      const id = store.epochs.start({
        campaign_id: campaign,
        variant_id: vid,
        variant: v.name,
        round,
        planned_ms: 1000,
        warmup_ms: 0,
        interval_ms: 100,
        started_at: started,
        host_id: host,
      });
      const crashed = round === 3 && v.name === 'lean';
      store.epochs.finish(id, {
        outcome: crashed ? 'crashed' : 'completed',
        outcome_reason: crashed ? 'killed by SIGSEGV' : null,
        signal: crashed ? 'SIGSEGV' : null,
        stderr_tail: crashed ? 'boom: segfault at 0x0\n' : null,
        ops: 1000 * round,
        throughput_mean: 5e6 + round,
        throughput_cv: 0.01,
        rss_initial_bytes: 1 << 20,
        rss_final_bytes: (1 << 20) + round,
        rss_peak_bytes: 2 << 20,
        rss_drift_pct: 0.5,
        syscalls_per_op: 0.001,
        lean_decommit: round,
        counters_json: JSON.stringify({ delta: { lean_decommit: round }, per_op: { lean_decommit: round / (1000 * round) } }),
      });
      ids[v.name]!.push(id);
    }
  }
  return { campaign, ids, startedAt };
}

export const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

/** A plan any daemon accepts over HTTP: random_mixed under glibc, short epochs. */
export function quickPlan(name = 'quick'): Record<string, unknown> {
  return {
    name,
    epoch: '1500ms',
    warmup: '200ms',
    interval: '100ms',
    variants: [
      { name: 'qa', allocator: 'glibc', args: ['--ws', '64'] },
      { name: 'qb', allocator: 'glibc', args: ['--ws', '32'], env: { MALLOC_ARENA_MAX: '1' } },
    ],
  };
}
