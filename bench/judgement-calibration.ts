/**
 * Calibration of the judgement on real short campaigns (docs/judgement.md, "Calibration"):
 *   1. A/A: N campaigns of two identical variants → how often GO or NO-GO (false verdicts).
 *   2. Planted slowdown: N campaigns of base vs. base + busy work (≈ 5 % slower) → how often NO-GO.
 *      The busy work is `--spin-iters` (the same in every process; `--spin-ns` calibrates per process,
 *      which adds up to 10 % of noise of its own on the development VM).
 *   3. Leak floor in a 10-minute epoch: given a database with one clean and one leaking 10-minute epoch
 *      (`--leak-db`), the smallest leak the product flags, by adding a planted ramp r·t to the clean epoch's
 *      real RSS samples and running the epoch analysis and the judgement's flag on them (see the doc for why
 *      superposition is valid, and the real leaking epoch that checks it).
 *
 * usage: node dist/bench/judgement-calibration.js [--aa N] [--slow N] [--epochs K] [--epoch 1s]
 *          [--base-iters N] [--slow-iters N] [--wall] [--mode sequential|duet] [--schedule adaptive] [--dir DIR]
 *          [--leak-db FILE [--clean VARIANT]] [--out FILE]
 * --wall judges on ops per wall-clock second instead of per CPU-second (both ratios are recorded anyway).
 * --mode duet runs both arms of each round at once, each pinned to its own CPU (docs/judgement.md).
 * --schedule adaptive judges at the planned looks and ends each campaign as soon as its verdict settles
 * (--epochs is then the cap); the time to a verdict is the campaign's own length.
 * Campaigns run one at a time, like the daemon.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeEpoch } from '../daemon/src/analysis/index.js';
import { median } from '../daemon/src/stats/descriptive.js';
import { CampaignController } from '../daemon/src/campaign/index.js';
import { launcherPath } from '../daemon/src/cli/setup.js';
import { defaultCriteria } from '../daemon/src/judgement/criteria.js';
import { epochLeaks, measuredWindowMs } from '../daemon/src/judgement/leak.js';
import { judgeComparison, type ComparisonInput } from '../daemon/src/judgement/index.js';
import { compare, comparisonStandings, type CompareResult } from '../daemon/src/verdicts/index.js';
import { createLogger } from '../daemon/src/log/index.js';
import { resolvePlan, validatePlan } from '../daemon/src/plan/index.js';
import { openStore, type Store } from '../daemon/src/storage/index.js';

const { values } = parseArgs({
  options: {
    aa: { type: 'string', default: '20' },
    slow: { type: 'string', default: '20' },
    epochs: { type: 'string', default: '8' },
    epoch: { type: 'string', default: '1s' },
    'base-iters': { type: 'string', default: '100' },
    'slow-iters': { type: 'string', default: '106' },
    wall: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'sequential' },
    schedule: { type: 'string' },
    dir: { type: 'string', default: '/tmp/allocsoak-calibration' },
    'leak-db': { type: 'string' },
    clean: { type: 'string', default: 'clean' },
    out: { type: 'string' },
  },
});

const log = createLogger({ level: 'warn' });

interface CampaignOutcome {
  campaign: number;
  verdict: CompareResult['verdict'];
  basis: CompareResult['throughput_basis'];
  wall_ratio: number | null;
  ratio: number | null;
  low: number | null;
  high: number | null;
  p: number | null;
  epochs_needed: number | null;
  /** Wall-clock length of the campaign, and the 1-minute load average when it ended. */
  seconds: number;
  load1: number;
  /**
   * The first round after which the verdict on the rounds so far was NO-GO (judged as the daemon would have
   * judged it then), and the campaign time that took; null when it never was.
   */
  first_nogo_round: number | null;
  first_nogo_seconds: number | null;
}

const INPUT = (): ComparisonInput => ({
  baseline: 'base',
  candidate: 'cand',
  goal: 'speed',
  criteria: { throughput_per_cpu_second: values.wall ? 0 : 1 },
});

/** The first round after which the verdict was NO-GO, judging the campaign's first k rounds for each k. */
function firstNoGoRound(store: Store, campaign: number, rounds: number): number | null {
  const rows = store.epochs.listRows({ campaign });
  for (let k = 1; k <= rounds; k++) {
    if (
      judgeComparison(
        rows.filter((r) => r.round <= k),
        INPUT(),
      ).verdict === 'NO-GO'
    )
      return k;
  }
  return null;
}

async function runCampaigns(store: Store, label: string, count: number, candidateIters: string): Promise<CampaignOutcome[]> {
  const out: CampaignOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const plan = validatePlan(
      {
        name: `${label}-${i + 1}`,
        mode: values.mode,
        ...(values.schedule !== undefined ? { schedule: values.schedule } : {}),
        epoch: values.epoch,
        warmup: '200ms',
        interval: '100ms',
        variants: [
          { name: 'base', allocator: 'glibc', args: ['--spin-iters', values['base-iters'], '--seed', String(1000 + i)] },
          { name: 'cand', allocator: 'glibc', args: ['--spin-iters', candidateIters, '--seed', String(1000 + i)] },
        ],
        comparisons: [INPUT()],
      },
      label,
    );
    const controller = new CampaignController({ store, launcher: launcherPath(), log, standings: (id) => comparisonStandings(store, id) });
    const t0 = Date.now();
    const started = controller.start({ resolved: resolvePlan(plan, label), source: label, epochsPerVariant: Number(values.epochs) });
    await started.done;
    const r = compare(store, { baseline: 'base', candidate: 'cand', campaign: started.id });
    const o = {
      campaign: started.id,
      verdict: r.verdict,
      basis: r.throughput_basis,
      wall_ratio: (r.throughput_wall ?? r.throughput)?.ratio ?? null,
      ratio: r.throughput?.ratio ?? null,
      low: r.throughput?.low ?? null,
      high: r.throughput?.high ?? null,
      p: r.throughput?.p_value ?? null,
      epochs_needed: r.epochs_needed_per_arm,
      seconds: (Date.now() - t0) / 1000,
      load1: loadavg()[0] ?? 0,
      first_nogo_round: null as number | null,
      first_nogo_seconds: null as number | null,
    };
    const rounds = Number(values.epochs);
    if (plan.schedule === 'adaptive') {
      // The campaign stopped when its verdict settled: that look's pairs, after the whole campaign's time.
      o.first_nogo_round = r.verdict === 'NO-GO' ? (r.look?.n ?? null) : null;
      o.first_nogo_seconds = o.first_nogo_round === null ? null : o.seconds;
    } else {
      o.first_nogo_round = firstNoGoRound(store, started.id, rounds);
      o.first_nogo_seconds = o.first_nogo_round === null ? null : (o.seconds * o.first_nogo_round) / rounds;
    }
    out.push(o);
    process.stderr.write(
      `${label} ${i + 1}/${count}: ${o.verdict} ${o.basis} ratio ${o.ratio?.toFixed(4)} [${o.low?.toFixed(4)}, ${o.high?.toFixed(4)}] (wall ${o.wall_ratio?.toFixed(4)}) ${o.seconds.toFixed(0)} s, load ${o.load1.toFixed(1)}, first NO-GO after round ${o.first_nogo_round ?? 'none'}\n`,
    );
  }
  return out;
}

/** Time per campaign and the load the machine was under, for the calibration table. */
function conditions(xs: readonly CampaignOutcome[]): Record<string, number | null> {
  const loads = xs.map((x) => x.load1);
  return {
    median_seconds: xs.length ? median(xs.map((x) => x.seconds)) : null,
    // Campaigns that never reached NO-GO count as the whole campaign (a lower bound on their time).
    median_seconds_to_nogo: xs.length ? median(xs.map((x) => x.first_nogo_seconds ?? x.seconds)) : null,
    max_seconds: xs.length ? Math.max(...xs.map((x) => x.seconds)) : null,
    load_min: loads.length ? Math.min(...loads) : null,
    load_median: loads.length ? median(loads) : null,
    load_max: loads.length ? Math.max(...loads) : null,
  };
}

function tally(xs: readonly CampaignOutcome[]): Record<string, number> {
  const t: Record<string, number> = { GO: 0, NEUTRAL: 0, 'NO-GO': 0, INSUFFICIENT: 0 };
  for (const x of xs) t[x.verdict] = (t[x.verdict] ?? 0) + 1;
  return t;
}

interface LeakCalibration {
  clean_epoch: number;
  clean_slope: number | null;
  clean_low: number | null;
  clean_flagged: boolean;
  floor: number;
  /** Smallest planted rate (bytes/hour) flagged, on the grid. */
  smallest_flagged: number | null;
  grid: { rate: number; slope: number | null; low: number | null; late: number | null; flagged: boolean }[];
  real_leak: {
    epoch: number;
    planted: number;
    slope: number | null;
    low: number | null;
    flagged: boolean;
    superposed_slope: number | null;
  } | null;
}

function leakCalibration(file: string, cleanName: string): LeakCalibration {
  const store = openStore(file);
  try {
    const rows = store.epochs.listRows({}).filter((e) => e.outcome === 'completed');
    const clean = rows.find((e) => e.variant === cleanName);
    if (!clean) throw new Error(`${file}: no completed epoch of variant ${JSON.stringify(cleanName)}`);
    const criteria = defaultCriteria('speed');
    const floor = criteria.leak_floor_bytes_per_hour;
    const samples = store.samples.list(clean.id);
    // The planted leak adds whole pages, as RSS does (a leak of 480 KB/h shows as a 4 KiB step every 31 s).
    const analyze = (rate: number) => {
      const planted = samples.map((s) => ({
        ...s,
        rss_bytes: s.rss_bytes === null ? null : s.rss_bytes + Math.floor((rate * s.t_ms) / 3_600_000 / 4096) * 4096,
      }));
      const a = analyzeEpoch(planted, { warmupMs: clean.warmup_ms, intervalMs: clean.interval_ms });
      return {
        slope: a.rss_slope_bytes_per_hour,
        low: a.rss_slope_low,
        late: a.rss_slope_late_bytes_per_hour,
        flagged: epochLeaks({ ...a, window_ms: measuredWindowMs({ elapsed_ms: a.elapsed_ms, warmup_ms: clean.warmup_ms }) }, criteria),
      };
    };
    const grid: LeakCalibration['grid'] = [];
    for (let rate = 0; rate <= 2_000_000; rate += rate < 1_000_000 ? 10_000 : 50_000) grid.push({ rate, ...analyze(rate) });
    const smallest = grid.find((g) => g.flagged && grid.filter((h) => h.rate >= g.rate).every((h) => h.flagged));
    // A variant planted with --leak-bytes-per-sec, if the database has one: the real leak that checks superposition.
    const leakRate = (variant: string): number => {
      const config = store.variants.listForCampaign(clean.campaign_id).find((v) => v.name === variant)?.config;
      const args = (config as { args?: string[] } | undefined)?.args ?? [];
      const i = args.indexOf('--leak-bytes-per-sec');
      return i >= 0 ? Number(args[i + 1]) * 3600 : 0;
    };
    const leaky = rows.find((e) => e.variant !== cleanName && leakRate(e.variant) > 0);
    const plantedRate = leaky ? leakRate(leaky.variant) : 0;
    return {
      clean_epoch: clean.id,
      clean_slope: clean.rss_slope_bytes_per_hour,
      clean_low: clean.rss_slope_low,
      clean_flagged: epochLeaks({ ...clean, window_ms: measuredWindowMs(clean) }, criteria),
      floor,
      smallest_flagged: smallest?.rate ?? null,
      grid,
      real_leak: leaky
        ? {
            epoch: leaky.id,
            planted: plantedRate,
            slope: leaky.rss_slope_bytes_per_hour,
            low: leaky.rss_slope_low,
            flagged: epochLeaks({ ...leaky, window_ms: measuredWindowMs(leaky) }, criteria),
            superposed_slope: analyze(plantedRate).slope,
          }
        : null,
    };
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(values.dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const store = openStore(join(values.dir, `calibration-${stamp}.db`));
  const result: Record<string, unknown> = {
    started_at: new Date().toISOString(),
    epochs_per_variant: Number(values.epochs),
    epoch: values.epoch,
    base_spin_iters: Number(values['base-iters']),
    slow_spin_iters: Number(values['slow-iters']),
    basis: values.wall ? 'wall' : 'cpu',
    mode: values.mode,
    schedule: values.schedule ?? null,
  };
  try {
    if (Number(values.aa) > 0) {
      const aa = await runCampaigns(store, 'aa', Number(values.aa), values['base-iters']);
      result.aa = {
        campaigns: aa.length,
        verdicts: tally(aa),
        false_verdict_rate: aa.filter((x) => x.verdict === 'GO' || x.verdict === 'NO-GO').length / aa.length,
        ...conditions(aa),
        runs: aa,
      };
    }
    if (Number(values.slow) > 0) {
      const slow = await runCampaigns(store, 'slow', Number(values.slow), values['slow-iters']);
      result.slowdown = {
        campaigns: slow.length,
        verdicts: tally(slow),
        detection_rate: slow.filter((x) => x.verdict === 'NO-GO').length / slow.length,
        wrong_direction: slow.filter((x) => x.verdict === 'GO').length,
        ...conditions(slow),
        runs: slow,
      };
    }
  } finally {
    store.close();
  }
  if (values['leak-db']) result.leak = leakCalibration(values['leak-db'], values.clean);
  result.ended_at = new Date().toISOString();
  const text = JSON.stringify(result, null, 2);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  process.stdout.write(`${text}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`judgement-calibration: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
