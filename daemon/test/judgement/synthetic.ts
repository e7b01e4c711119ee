/**
 * Synthetic per-epoch rows with known effects, for the verdict engine's tests. Interleaved rounds share a
 * "machine" factor (slow drift of the host that hits every variant of a round alike), plus independent
 * per-epoch noise; everything comes from a seeded generator so each test is reproducible.
 */
import { createRng, type Rng } from '../../src/stats/bootstrap.js';
import type { JudgedEpoch } from '../../src/judgement/epochs.js';
import type { Outcome } from '../../src/domain/types.js';

export function gaussian(rng: Rng): number {
  // Box–Muller.
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface SyntheticVariant {
  name: string;
  throughput: number;
  rssPeak: number;
  /** Held memory (median RSS − LazyFree), bytes (default: absent, as in rows before schema v3). */
  rssHeld?: number;
  /** Within-epoch throughput CV as a ratio (default 0.01). */
  cv?: number;
  syscallsPerOp?: number | null;
  /** Per-epoch endpoint drift % of RSS (default ~0). */
  driftPct?: number | ((round: number) => number);
  /** Per-epoch held-memory drift % (schema v8; default: absent, as in rows before it, so the endpoint drift is judged). */
  heldDriftPct?: number | ((round: number) => number);
  /** True RSS slope within each epoch, bytes/hour (default 0). */
  slopeBytesPerHour?: number;
  /** Standard error of each epoch's slope estimate, bytes/hour (default 20 KiB/h). */
  slopeSe?: number;
  /** Per-epoch multiplicative throughput noise for this variant (overrides the campaign's). */
  noise?: number;
  /** Outcome of a given round (default completed). */
  outcome?: (round: number) => Outcome;
}

export interface SyntheticCampaign {
  variants: SyntheticVariant[];
  rounds: number;
  seed: number;
  /** Per-epoch independent noise (log scale, default 0.01). */
  noise?: number;
  /** Shared per-round machine factor (log scale, default 0.01). */
  machine?: number;
  campaignId?: number;
  startId?: number;
}

export function synthesize(c: SyntheticCampaign): JudgedEpoch[] {
  const rng = createRng(c.seed);
  const out: JudgedEpoch[] = [];
  let id = c.startId ?? 1;
  const t0 = Date.UTC(2026, 10, 23, 22, 0, 0);
  for (let round = 1; round <= c.rounds; round++) {
    const machine = Math.exp((c.machine ?? 0.01) * gaussian(rng));
    for (const v of c.variants) {
      const noise = v.noise ?? c.noise ?? 0.01;
      const outcome = v.outcome?.(round) ?? 'completed';
      const completed = outcome === 'completed';
      const tput = v.throughput * machine * Math.exp(noise * gaussian(rng));
      const rssPeak = Math.round(v.rssPeak * Math.exp(0.005 * gaussian(rng)));
      const driftPct = (typeof v.driftPct === 'function' ? v.driftPct(round) : (v.driftPct ?? 0)) + 0.05 * gaussian(rng);
      const initial = Math.round(rssPeak * 0.97);
      const slopeSe = v.slopeSe ?? 20 * 1024;
      const slope = (v.slopeBytesPerHour ?? 0) + slopeSe * gaussian(rng);
      const started = new Date(t0 + (id - 1) * 60_000).toISOString();
      out.push({
        id,
        campaign_id: c.campaignId ?? 1,
        variant: v.name,
        round,
        outcome,
        outcome_reason: completed ? null : `synthetic ${outcome}`,
        signal: outcome === 'crashed' ? 'SIGSEGV' : null,
        started_at: started,
        ended_at: started,
        ops: completed ? Math.round(tput * 60) : null,
        throughput_mean: completed ? tput : null,
        throughput_cv: completed ? (v.cv ?? 0.01) * Math.exp(0.1 * gaussian(rng)) : null,
        throughput_p1: null,
        throughput_p50: null,
        rss_initial_bytes: completed ? initial : null,
        rss_final_bytes: completed ? Math.round(initial * (1 + driftPct / 100)) : null,
        rss_peak_bytes: completed ? rssPeak : null,
        rss_hwm_bytes: null,
        ...(v.rssHeld !== undefined ? { rss_held_bytes: completed ? Math.round(v.rssHeld * Math.exp(0.005 * gaussian(rng))) : null } : {}),
        rss_drift_pct: completed ? driftPct : null,
        ...(v.heldDriftPct !== undefined
          ? {
              rss_held_drift_pct: completed
                ? (typeof v.heldDriftPct === 'function' ? v.heldDriftPct(round) : v.heldDriftPct) + 0.05 * gaussian(rng)
                : null,
            }
          : {}),
        rss_slope_bytes_per_hour: completed ? slope : null,
        rss_slope_low: completed ? slope - 1.96 * slopeSe : null,
        rss_slope_high: completed ? slope + 1.96 * slopeSe : null,
        syscalls_per_op: completed ? (v.syscallsPerOp === undefined ? 1e-8 : v.syscallsPerOp) : null,
        lean_decommit: null,
        lean_retire: null,
        allocator_reported: null,
        allocator_profile: null,
        stderr_lines: null,
      });
      id++;
    }
  }
  return out;
}
