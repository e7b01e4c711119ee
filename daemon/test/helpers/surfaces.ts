/**
 * A stored campaign shaped like the one issue 12 was filed from, for the tests that read every surface
 * (REST, CLI, report, page) over one database:
 * - glibc with 32 MB bursts: its endpoint drift reads +3338 %, +3496 %, 0 % (a burst live at the last
 *   sample or not), its held memory does not move;
 * - lean: held memory drifting +17 % per epoch, over the limit;
 * - speed and mimalloc: speed has more ops per wall-clock second (101 M vs 91.9 M, it got the core more
 *   often), mimalloc more per CPU-second (speed is 91.7 % of it), the basis the verdicts use.
 * Three epochs per variant, interleaved; rows written through the store API as the campaign would.
 */
import type { Store } from '../../src/storage/index.js';
import { planFrom } from './env.js';

const MiB = 1024 * 1024;

interface Shape {
  wall: number;
  cpu: number;
  /** Endpoint drift % per round. */
  endpoint: readonly number[];
  /** Held-memory drift % per round. */
  held: readonly number[];
  rss: number;
}

export const SURFACE_VARIANTS: Record<string, Shape> = {
  mimalloc: { wall: 91.9e6, cpu: 100e6, endpoint: [0.4, 0.2, 0.3], held: [0.1, 0.2, 0.15], rss: 40 * MiB },
  speed: { wall: 101e6, cpu: 91.7e6, endpoint: [0.3, 0.5, 0.1], held: [0.2, 0.1, 0.3], rss: 60 * MiB },
  glibc: { wall: 60e6, cpu: 62e6, endpoint: [3338, 3496, 0], held: [0.1, 0.3, 0.2], rss: MiB },
  lean: { wall: 50e6, cpu: 52e6, endpoint: [17.5, 16.8, 17.2], held: [17.1, 16.9, 17.4], rss: 20 * MiB },
};

export const SURFACE_PLAN = {
  name: 'surfaces',
  epoch: '60s',
  warmup: '1s',
  interval: '500ms',
  variants: Object.keys(SURFACE_VARIANTS).map((name) => ({ name, allocator: 'glibc' })),
  comparisons: [{ baseline: 'mimalloc', candidate: 'speed', goal: 'speed' }],
  reference: 'mimalloc',
};

/** Stores the campaign (3 rounds, every variant each round) and returns its id. */
export function seedSurfaces(store: Store): number {
  const resolved = planFrom(SURFACE_PLAN);
  const campaign = store.campaigns.create({ source: 'surfaces.yaml', plan: resolved.plan, epochs_per_variant: 3 });
  const ids = new Map(resolved.plan.variants.map((v) => [v.name, store.variants.upsert(campaign, v, null)]));
  const t0 = Date.UTC(2026, 10, 23, 22, 0, 0);
  let n = 0;
  for (let round = 1; round <= 3; round++) {
    for (const [variant, s] of Object.entries(SURFACE_VARIANTS)) {
      const started = new Date(t0 + n++ * 61_000).toISOString();
      const id = store.epochs.start({
        campaign_id: campaign,
        variant_id: ids.get(variant) as number,
        variant,
        round,
        planned_ms: 60_000,
        warmup_ms: 1000,
        interval_ms: 500,
        started_at: started,
      });
      // A little spread between rounds (±0.5 %), the same for every variant.
      const jitter = 1 + (round - 2) * 0.005;
      const endpoint = s.endpoint[round - 1] as number;
      const initial = s.rss;
      store.epochs.finish(id, {
        outcome: 'completed',
        ended_at: new Date(Date.parse(started) + 60_000).toISOString(),
        elapsed_ms: 60_000,
        ops: Math.round(s.wall * 59 * jitter),
        throughput_mean: s.wall * jitter,
        throughput_cv: 0.01,
        cpu_ms: 59_000,
        throughput_cpu: s.cpu * jitter,
        throughput_cpu_cv: 0.01,
        rss_initial_bytes: initial,
        rss_final_bytes: Math.round(initial * (1 + endpoint / 100)),
        rss_peak_bytes: initial + 4 * MiB,
        rss_hwm_bytes: initial + 32 * MiB,
        hwm_reset: 1,
        rss_drift_pct: endpoint,
        rss_held_drift_pct: s.held[round - 1],
        rss_held_bytes: initial,
        rss_slope_bytes_per_hour: 1024,
        rss_slope_low: -8 * 1024,
        rss_slope_high: 10 * 1024,
        rss_slope_late_bytes_per_hour: 0,
        syscalls_per_op: 1e-8,
        stderr_tail: '',
        stderr_lines: 0,
      });
    }
  }
  return campaign;
}
