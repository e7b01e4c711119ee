/** Running short real campaigns and checking that their stored analysis makes sense. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { openStore } from '../../src/storage/index.js';
import { overstayMs } from '../../src/supervisor/run-epoch.js';
import { LAUNCHER } from './native.js';
import { memoryLogger, planFrom, tempDir } from './env.js';

export type Row = ReturnType<ReturnType<typeof openStore>['epochs']['listRows']>[number];

/** Run one campaign of the given variants (1 epoch each, 2 s) and return the stored rows by variant. */
export async function runVariants(
  variants: Array<Record<string, unknown>>,
): Promise<{ rows: Map<string, Row>; samples: Map<string, number> }> {
  const { dir, cleanup } = tempDir('analysis');
  const store = openStore(join(dir, 'an.db'));
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({ name: 'analysis', epoch: '2s', warmup: '400ms', interval: '100ms', variants });
    const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
    assert.equal(await started.done, 'completed');
    const list = store.epochs.listRows({ campaign: started.id });
    return {
      rows: new Map(list.map((r) => [r.variant, r])),
      samples: new Map(list.map((r) => [r.variant, store.samples.list(r.id).length])),
    };
  } finally {
    store.close();
    cleanup();
  }
}

/** Every column a completed random_mixed epoch must have measured (a null here would pass the comparisons below). */
const MEASURED = [
  'ops',
  'elapsed_ms',
  'throughput_mean',
  'throughput_p1',
  'throughput_p50',
  'throughput_p99',
  'throughput_cv',
  'rss_initial_bytes',
  'rss_final_bytes',
  'rss_peak_bytes',
  'rss_drift_pct',
  'rss_slope_bytes_per_hour',
  'adj_rss_final_bytes',
  'syscalls_total',
  'syscalls_per_op',
] as const;

export function assertSensible(name: string, e: Row, samples: number): void {
  assert.equal(e.outcome, 'completed', `${name}: ${e.outcome_reason} ${e.stderr_tail}`);
  for (const column of MEASURED) assert.equal(typeof e[column], 'number', `${name}: ${column} is ${e[column]}`);
  // It ran its 2 s, and not so long that the daemon would have called it a timeout (however busy the machine).
  assert.ok(
    e.ops! > 0 && e.elapsed_ms! >= 1900 && e.elapsed_ms! <= 2000 + overstayMs(2000, 100),
    `${name} ops ${e.ops} elapsed ${e.elapsed_ms}`,
  );
  assert.ok(e.throughput_mean! > 0);
  assert.ok(e.throughput_p1! <= e.throughput_p50! && e.throughput_p50! <= e.throughput_p99!);
  assert.ok(e.throughput_cv! >= 0 && e.throughput_cv! < 1, `${name} cv ${e.throughput_cv}`);
  assert.ok(e.rss_initial_bytes! > 0 && e.rss_peak_bytes! >= e.rss_final_bytes! && e.rss_peak_bytes! >= e.rss_initial_bytes!);
  assert.ok(Number.isFinite(e.rss_drift_pct!) && Number.isFinite(e.rss_slope_bytes_per_hour!));
  assert.ok(e.adj_rss_final_bytes! <= e.rss_final_bytes!);
  assert.ok(e.syscalls_total! > 0 && e.syscalls_per_op! > 0 && e.syscalls_per_op! < 0.01, `${name} syscalls/op ${e.syscalls_per_op}`);
  assert.ok(e.host_id !== null && e.pid !== null);
  assert.ok(samples >= 15, `${name}: ${samples} samples`);
}
