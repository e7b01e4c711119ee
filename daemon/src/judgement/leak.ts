/**
 * Leak and drift detection.
 *
 * Within an epoch: the Theil–Sen slope of RSS after warm-up, with Sen's confidence interval; an epoch is
 * flagged only when the *lower* bound of the slope exceeds an absolute floor (bytes/hour). Why not an
 * endpoint gate ((final − initial)/initial > x %) or a least-squares slope > y? Both compare a leak against
 * the raw noise of RSS rather than against the uncertainty of a trend: the endpoint gate reads two noisy
 * points, and a least-squares slope is dragged by single spikes (reclaim of MADV_FREE pages, a burst),
 * so their thresholds must sit far above the noise to stay quiet, and a slow leak stays under them
 * (480 KB/h over 24 h passed such a gate elsewhere). The robust slope uses every point, ignores
 * spikes, and its interval narrows as the epoch gets longer, so the floor can sit low.
 * A leak also persists: the slope over the later half of the measured part must exceed the floor too.
 * An allocator settling after a burst (retaining a few more pages each time until its working set is
 * mapped) grows early and then stops; in a short epoch that early growth alone makes the whole-window
 * interval sit above the floor, while a leak keeps growing to the end.
 * And a window of seconds cannot tell a leak from an allocator still filling in its working set after a
 * burst: one page more in 6 s is already 2.4 MiB/h. Below `leak_min_window_s` of measured window, the growth
 * itself (lower slope bound × window) must also exceed `leak_short_window_bytes`, so short epochs flag only
 * unmistakable leaks and leave slow ones to long epochs and to the across-epoch checks.
 * The epoch analysis stores that slope and interval for every epoch (Theil–Sen over at most 400 evenly
 * thinned samples, daemon/src/analysis); `withinEpochSlope` below computes the same from samples. Sen's
 * interval assumes independent residuals, which RSS samples a second apart are not, so the interval can be
 * optimistic: the absolute floor is what keeps clean epochs from being flagged.
 *
 * Across epochs: every variant's series of per-epoch growth ratios (1 + the judged drift, held memory's
 * robust line; one value per epoch, oldest first) gets its own Theil–Sen trend and a Pettitt change-point
 * check, so a leak that grows a little every night, or appears one night and stays, is caught even when
 * each epoch alone is under the floor.
 *
 * Every status has three states: LEAK or DRIFT when sure, CLEAN when every check passed, UNDECIDED (with the
 * reason and what would decide it) when a check could not tell.
 */

import { laterHalf } from '../analysis/index.js';
import { theilSen, type SlopeEstimate } from '../stats/theil-sen.js';
import { hodgesLehmannCenter, type ShiftEstimate } from '../stats/hodges-lehmann.js';
import { pettitt } from '../stats/pettitt.js';
import { seedFromText } from '../stats/bootstrap.js';
import type { Criteria } from './criteria.js';
import { DRIFT_LABEL, driftBasisOf, type DriftBasis } from '../domain/measures.js';
import { judgedDrift, splitArm, type JudgedEpoch } from './epochs.js';
import { bytes, fmt, jsonNumber, type Reason } from './types.js';

const MS_PER_HOUR = 3_600_000;

export interface RssSample {
  t_ms: number;
  rss_bytes: number | null;
}

export interface EpochSlope extends SlopeEstimate {
  /** Samples after warm-up that had an RSS reading. */
  samples: number;
  /** Slope over the later half of those samples (null below 3 points), as the epoch analysis stores it. */
  late: number | null;
  /** From the first to the last of those samples. */
  window_ms: number;
}

/**
 * Robust RSS slope of one epoch in bytes/hour, from its samples after warm-up (t_ms ≥ warmupMs),
 * with a (confidence) interval computed on at most `maxPoints` (default 400, as the epoch analysis) evenly spaced samples.
 */
export function withinEpochSlope(
  samples: readonly RssSample[],
  warmupMs: number,
  opts: { confidence?: number; maxPoints?: number } = {},
): EpochSlope {
  const points = samples.filter((s) => s.t_ms >= warmupMs && typeof s.rss_bytes === 'number' && Number.isFinite(s.rss_bytes));
  const maxPoints = Math.max(3, opts.maxPoints ?? 400);
  let chosen = points;
  if (points.length > maxPoints) {
    chosen = [];
    for (let i = 0; i < maxPoints; i++) chosen.push(points[Math.round((i * (points.length - 1)) / (maxPoints - 1))] as RssSample);
  }
  const est = theilSen(
    chosen.map((s) => s.t_ms / MS_PER_HOUR),
    chosen.map((s) => s.rss_bytes as number),
    1 - (opts.confidence ?? 0.95),
  );
  const late = laterHalf(chosen);
  const lateEst =
    late.length >= 3
      ? theilSen(
          late.map((s) => s.t_ms / MS_PER_HOUR),
          late.map((s) => s.rss_bytes as number),
        )
      : null;
  const window = points.length >= 2 ? (points[points.length - 1] as RssSample).t_ms - (points[0] as RssSample).t_ms : 0;
  return {
    ...est,
    samples: points.length,
    window_ms: window,
    late: lateEst === null || !Number.isFinite(lateEst.slope) ? null : lateEst.slope,
  };
}

/** What decides an epoch's leak flag: an epoch row (see `measuredWindowMs`), or `slopeColumns` of a computed slope. */
export interface EpochSlopeColumns {
  rss_slope_low?: number | null;
  rss_slope_late_bytes_per_hour?: number | null;
  /** Length of the measured window (ms); unknown: the short-window rule is not applied. */
  window_ms?: number | null;
}

export type LeakCriteria = Pick<Criteria, 'leak_floor_bytes_per_hour' | 'leak_min_window_s' | 'leak_short_window_bytes'>;

/** Why an epoch is or is not flagged. */
export type EpochLeakCheck = 'leak' | 'below_floor' | 'stopped_growing' | 'short_window';

export function epochLeakCheck(e: EpochSlopeColumns, c: LeakCriteria): EpochLeakCheck {
  const floor = c.leak_floor_bytes_per_hour;
  const low = e.rss_slope_low;
  if (typeof low !== 'number' || !Number.isFinite(low) || low <= floor) return 'below_floor';
  const late = e.rss_slope_late_bytes_per_hour;
  if (typeof late === 'number' && Number.isFinite(late) && late <= floor) return 'stopped_growing';
  const w = e.window_ms;
  if (typeof w === 'number' && Number.isFinite(w) && w < c.leak_min_window_s * 1000 && (low * w) / MS_PER_HOUR < c.leak_short_window_bytes)
    return 'short_window';
  return 'leak';
}

/**
 * An epoch leaks when its slope's lower bound is above the floor, the growth persists (the slope of the
 * later half is above the floor too; not checked when unknown: rows from before schema v3, or fewer than
 * 3 late samples), and, in a window shorter than `leak_min_window_s`, the growth is unmistakable.
 */
export function epochLeaks(e: EpochSlopeColumns, c: LeakCriteria): boolean {
  return epochLeakCheck(e, c) === 'leak';
}

/** The measured window of a stored epoch: its run time after the warm-up (null when unknown). */
export function measuredWindowMs(e: Pick<JudgedEpoch, 'elapsed_ms' | 'warmup_ms'>): number | null {
  if (typeof e.elapsed_ms !== 'number' || typeof e.warmup_ms !== 'number') return null;
  return e.elapsed_ms > e.warmup_ms ? e.elapsed_ms - e.warmup_ms : e.elapsed_ms;
}

/** The leak-relevant columns of a slope computed from samples. */
export function slopeColumns(s: EpochSlope): EpochSlopeColumns {
  return { rss_slope_low: s.low, rss_slope_late_bytes_per_hour: s.late, window_ms: s.window_ms };
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let term = Math.pow(1 - p, n); // P(X = 0)
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term = (term * (n - i) * p) / ((i + 1) * (1 - p));
  }
  return Math.max(0, 1 - below);
}

export interface EpochDrift {
  id: number;
  started_at: string;
  rss_initial_bytes: number | null;
  rss_final_bytes: number | null;
  /** Endpoint drift (first and last samples); not judged. */
  rss_drift_pct: number | null;
  /** Held-memory drift: the one judged (null before schema v8, when the endpoint drift is). */
  rss_held_drift_pct: number | null;
  rss_slope_bytes_per_hour: number | null;
  rss_slope_low: number | null;
  rss_slope_high: number | null;
  /** Slope over the later half of the measured part (persistence check); null when not stored. */
  rss_slope_late_bytes_per_hour: number | null;
  leak: boolean;
  /** Why it is (`leak`) or is not flagged. */
  leak_check: EpochLeakCheck;
}

/**
 * LEAK and DRIFT: surely; CLEAN: surely not (every check passed, the drift estimate within the limit);
 * UNDECIDED: a check could not decide (no completed epoch, too few epochs for an interval, or a drift
 * estimate over the limit whose interval reaches below it); its reasons say why and what would decide.
 */
export type DriftVerdict = 'LEAK' | 'DRIFT' | 'CLEAN' | 'UNDECIDED';

export interface VariantDrift {
  variant: string;
  epochs: EpochDrift[];
  /** Hodges–Lehmann centre of the per-epoch slopes (bytes/hour) and its interval. */
  slope_bytes_per_hour: number | null;
  slope_low: number | null;
  slope_high: number | null;
  leak: boolean;
  drift: boolean;
  verdict: DriftVerdict;
  reasons: Reason[];
  flagged_epochs: number;
  /** Probability of at least this many flagged epochs if none leaked (each flags falsely at most (1 − confidence)/2). */
  flagged_p_value: number | null;
  /**
   * Hodges–Lehmann centre of the per-epoch judged drift % (domain/measures.ts `judgedDrift`) and its
   * interval; `basis` says which drift it is (held memory, or the endpoints for epochs before schema v8).
   */
  drift_pct: { median: number; low: number | null; high: number | null; basis: DriftBasis } | null;
  series: {
    /** Trend of the per-epoch growth ratio 1 + judged drift / 100 (ratio units per epoch). */
    trend: { slope_per_epoch: number; low: number | null; high: number | null; flagged: boolean } | null;
    change_point: {
      after_epoch_id: number;
      index: number;
      p_value: number;
      shift: number;
      before: number;
      after: number;
      flagged: boolean;
    } | null;
  };
}

export interface DriftOptions {
  criteria: Pick<Criteria, 'confidence' | 'drift_max_pct' | 'change_point_alpha'> & LeakCriteria;
  /** Permutations for the change-point p-value (default 999, for series up to 100 epochs; seeded by the variant name). */
  permutations?: number;
}

type DriftCriteria = DriftOptions['criteria'];

/** Each completed epoch's RSS columns and leak flag. */
function perEpochDrift(completed: readonly JudgedEpoch[], c: LeakCriteria): EpochDrift[] {
  return completed
    .map((e) => ({
      id: e.id,
      started_at: e.started_at,
      rss_initial_bytes: e.rss_initial_bytes,
      rss_final_bytes: e.rss_final_bytes,
      rss_drift_pct: e.rss_drift_pct,
      rss_held_drift_pct: e.rss_held_drift_pct ?? null,
      rss_slope_bytes_per_hour: e.rss_slope_bytes_per_hour,
      rss_slope_low: e.rss_slope_low ?? null,
      rss_slope_high: e.rss_slope_high ?? null,
      rss_slope_late_bytes_per_hour: e.rss_slope_late_bytes_per_hour ?? null,
      // The three columns it reads, not a copy of the whole row (a year of epochs, each ~70 columns).
      leak_check: epochLeakCheck(
        { rss_slope_low: e.rss_slope_low, rss_slope_late_bytes_per_hour: e.rss_slope_late_bytes_per_hour, window_ms: measuredWindowMs(e) },
        c,
      ),
    }))
    .map((e) => ({ ...e, leak: e.leak_check === 'leak' }));
}

/** Within epochs: how many are flagged, and is that more than false alarms explain? */
interface WithinEpochs {
  flagged: number;
  flaggedP: number | null;
  leak: boolean;
  /** Hodges–Lehmann centre of the per-epoch slopes and its interval. */
  slope: ShiftEstimate | null;
}

function judgeWithinEpochs(
  variant: string,
  completed: readonly JudgedEpoch[],
  perEpoch: readonly EpochDrift[],
  c: DriftCriteria,
  reasons: Reason[],
): WithinEpochs {
  const floor = c.leak_floor_bytes_per_hour;
  const withInterval = perEpoch.filter((e) => e.rss_slope_low !== null);
  const flagged = perEpoch.filter((e) => e.leak);
  const settled = perEpoch.filter((e) => e.leak_check === 'stopped_growing');
  const short = perEpoch.filter((e) => e.leak_check === 'short_window');
  // Over the floor by their estimate, but their interval reaches below it: neither a leak nor surely not.
  const unsure = perEpoch.filter((e) => e.leak_check === 'below_floor' && (e.rss_slope_bytes_per_hour ?? 0) > floor);
  const falseFlagRate = (1 - c.confidence) / 2;
  const flaggedP = withInterval.length > 0 ? binomialUpperTail(flagged.length, withInterval.length, falseFlagRate) : null;
  const withinLeak = flagged.length > 0 && flaggedP !== null && flaggedP <= 1 - c.confidence;
  const slopeValues = completed
    .map((e) => e.rss_slope_bytes_per_hour)
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const slopeHl = slopeValues.length > 0 ? hodgesLehmannCenter(slopeValues, { confidence: c.confidence }) : null;
  // The median slope over the floor with epochs that could not tell: undecided, not "no leak".
  const undecided = !withinLeak && slopeHl !== null && slopeHl.estimate > floor && unsure.length > 0;
  const ids = (xs: readonly EpochDrift[]): string => xs.map((e) => e.id).join(', ');
  if (withInterval.length === 0) {
    reasons.push({
      criterion: 'leak_floor_bytes_per_hour',
      status: 'undecided',
      decisive: false,
      message: `${variant}: undecided: no epoch has an RSS slope interval; within-epoch leak check not possible (epochs with at least 3 samples after warm-up would decide)`,
    });
    return { flagged: flagged.length, flaggedP, leak: false, slope: slopeHl };
  }
  const worst = flagged.length > 0 ? flagged.reduce((a, b) => ((a.rss_slope_low ?? 0) > (b.rss_slope_low ?? 0) ? a : b)) : null;
  const surely = `${flagged.length} of ${withInterval.length} epochs surely over the leak floor ${bytes(floor)}/h (RSS slope's lower bound above it)`;
  const explained =
    (settled.length > 0
      ? `; ${settled.length} epoch(s) grew early but not in their later half (settling, not leaking: epoch ${ids(settled)})`
      : '') +
    (short.length > 0
      ? `; ${short.length} epoch(s) grew faster than the floor in a window under ${c.leak_min_window_s} s, by less than ${bytes(c.leak_short_window_bytes)}: too short to tell a leak from an allocator filling in its working set (epoch ${ids(short)})`
      : '');
  reasons.push({
    criterion: 'leak_floor_bytes_per_hour',
    status: withinLeak ? 'fail' : undecided ? 'undecided' : 'pass',
    decisive: false,
    message: withinLeak
      ? `${variant}: ${flagged.length} of ${withInterval.length} epochs leak (RSS slope lower bound above ${bytes(floor)}/h; worst epoch ${worst?.id}: ${bytes(worst?.rss_slope_bytes_per_hour)}/h [${bytes(worst?.rss_slope_low)}/h, ${bytes(worst?.rss_slope_high)}/h]); p = ${fmt(flaggedP)} that false alarms explain it`
      : undecided
        ? `${variant}: undecided: median RSS slope ${bytes(slopeHl?.estimate)}/h is over the leak floor ${bytes(floor)}/h, but only ${surely}; ${unsure.length} epoch(s) over it whose interval reaches below it (epoch ${ids(unsure)}): longer epochs (narrower intervals) or more epochs would decide` +
          explained
        : `${variant}: no leak: ${surely}${flagged.length > 0 ? ` (p = ${fmt(flaggedP)}: within false-alarm expectations)` : ''}; median RSS slope ${bytes(slopeHl?.estimate)}/h` +
          explained,
    value: jsonNumber(slopeHl?.estimate),
    low: jsonNumber(slopeHl?.low),
    high: jsonNumber(slopeHl?.high),
    threshold: floor,
    p_value: jsonNumber(flaggedP),
  });
  return { flagged: flagged.length, flaggedP, leak: withinLeak, slope: slopeHl };
}

/** The fewest epochs whose Hodges–Lehmann interval is finite at this confidence. */
export function epochsForDriftInterval(confidence: number): number {
  for (let n = 1; n <= 50; n++)
    if (
      Number.isFinite(
        hodgesLehmannCenter(
          Array.from({ length: n }, (_, i) => i),
          { confidence },
        ).low,
      )
    )
      return n;
  return 50;
}

/**
 * Per-epoch drift % (the judged one, domain/measures.ts: held memory, or the endpoints for epochs before
 * schema v8): is its centre surely above the tolerance (fail), within it (pass), or neither (undecided: no
 * interval yet, or an estimate over the limit whose interval reaches below it)?
 */
function judgeDriftPct(
  variant: string,
  completed: readonly JudgedEpoch[],
  c: DriftCriteria,
  reasons: Reason[],
): { drift_pct: VariantDrift['drift_pct']; drift: boolean; undecided: boolean } {
  const judged = completed.map(judgedDrift).filter((d) => d !== null);
  if (judged.length === 0) return { drift_pct: null, drift: false, undecided: false };
  const basis = driftBasisOf(completed);
  const what = `${DRIFT_LABEL[basis]}${basis === 'endpoint' ? ' (epochs before schema v8 have no held-memory drift)' : ''}`;
  const drifts = judged.map((d) => d.pct);
  const hl = hodgesLehmannCenter(drifts, { confidence: c.confidence });
  const drift = Number.isFinite(hl.low) && hl.low > c.drift_max_pct;
  const noInterval = !Number.isFinite(hl.low);
  const overButUnsure = !drift && !noInterval && hl.estimate > c.drift_max_pct;
  const undecided = noInterval || overButUnsure;
  const need = epochsForDriftInterval(c.confidence);
  reasons.push({
    criterion: 'drift_max_pct',
    status: drift ? 'fail' : undecided ? 'undecided' : 'pass',
    decisive: false,
    message: drift
      ? `${variant}: ${what} ${fmt(hl.estimate)} % per epoch [${fmt(hl.low)}, ${fmt(hl.high)}], surely above the ${c.drift_max_pct} % limit`
      : noInterval
        ? `${variant}: undecided: ${what} ${fmt(hl.estimate)} % per epoch (centre of ${drifts.length}); too few epochs (${drifts.length}) for an interval: ${need} completed epochs would decide against the ${c.drift_max_pct} % limit`
        : overButUnsure
          ? `${variant}: undecided: ${what} ${fmt(hl.estimate)} % per epoch [${fmt(hl.low)}, ${fmt(hl.high)}] is over the ${c.drift_max_pct} % limit but its interval reaches below it; more epochs would decide`
          : `${variant}: ${what} ${fmt(hl.estimate)} % per epoch [${fmt(hl.low)}, ${fmt(hl.high)}], within the ${c.drift_max_pct} % limit`,
    value: hl.estimate,
    low: jsonNumber(hl.low),
    high: jsonNumber(hl.high),
    threshold: c.drift_max_pct,
  });
  return { drift_pct: { median: hl.estimate, low: jsonNumber(hl.low), high: jsonNumber(hl.high), basis }, drift, undecided };
}

/** Across epochs: the trend of the per-epoch growth ratio (from 3 epochs on). */
function judgeTrend(variant: string, ratios: readonly number[], c: DriftCriteria, reasons: Reason[]): VariantDrift['series']['trend'] {
  if (ratios.length < 3) return null;
  const minStep = c.drift_max_pct / 100;
  const ts = theilSen(
    ratios.map((_, i) => i),
    ratios,
    c.change_point_alpha,
  );
  const rise = ts.slope * (ratios.length - 1);
  const flagged = Number.isFinite(ts.low) && ts.low > 0 && rise >= minStep;
  reasons.push({
    criterion: 'change_point_alpha',
    status: flagged ? 'fail' : 'pass',
    decisive: false,
    message: flagged
      ? `${variant}: the per-epoch memory growth (1 + judged drift) rises across epochs by ${fmt(ts.slope * 100)} % per epoch [${fmt(ts.low * 100)}, ${fmt(ts.high * 100)}] (${fmt(rise * 100)} % over ${ratios.length} epochs)`
      : `${variant}: no rising trend of the per-epoch memory growth (1 + judged drift) across ${ratios.length} epochs (${fmt(ts.slope * 100)} % per epoch)`,
    value: ts.slope,
    low: jsonNumber(ts.low),
    high: jsonNumber(ts.high),
    threshold: 0,
  });
  return { slope_per_epoch: ts.slope, low: jsonNumber(ts.low), high: jsonNumber(ts.high), flagged };
}

/** Across epochs: an upward step of the per-epoch growth ratio (Pettitt, from 4 epochs on). */
function judgeChangePoint(
  variant: string,
  seriesEpochs: readonly JudgedEpoch[],
  ratios: readonly number[],
  opts: DriftOptions,
  reasons: Reason[],
): VariantDrift['series']['change_point'] {
  if (ratios.length < 4) return null;
  const c = opts.criteria;
  const minStep = c.drift_max_pct / 100;
  // Permutation p-values are exact-ish for short series; beyond 100 epochs the approximation is good
  // and the O(permutations · n²) cost would not be.
  const permutations = ratios.length <= 100 ? (opts.permutations ?? 999) : 0;
  const cp = pettitt(ratios, { permutations, seed: seedFromText(variant) });
  const flagged = cp.p < c.change_point_alpha && cp.shift >= minStep;
  const after = seriesEpochs[cp.index] as JudgedEpoch;
  reasons.push({
    criterion: 'change_point_alpha',
    status: flagged ? 'fail' : 'pass',
    decisive: false,
    message: flagged
      ? `${variant}: the per-epoch memory growth (1 + judged drift) stepped up from ${fmt(cp.before)} to ${fmt(cp.after)} at epoch ${after.id} (Pettitt p = ${fmt(cp.p)})`
      : `${variant}: no upward step in the per-epoch memory growth (Pettitt p = ${fmt(cp.p)}, shift ${fmt(cp.shift * 100)} %)`,
    value: cp.shift,
    threshold: minStep,
    p_value: cp.p,
  });
  return {
    after_epoch_id: after.id,
    index: cp.index,
    p_value: cp.p,
    shift: cp.shift,
    before: cp.before,
    after: cp.after,
    flagged,
  };
}

/**
 * Across epochs: the series of per-epoch growth ratios, 1 + judged drift / 100 (held memory, which a burst
 * does not move; the endpoints' final/initial RSS for epochs before schema v8), its trend and change point.
 */
function judgeAcrossEpochs(
  variant: string,
  completed: readonly JudgedEpoch[],
  opts: DriftOptions,
  reasons: Reason[],
): VariantDrift['series'] {
  const seriesEpochs = completed.filter((e) => judgedDrift(e) !== null);
  const ratios = seriesEpochs.map((e) => 1 + (judgedDrift(e)?.pct ?? 0) / 100);
  return {
    trend: judgeTrend(variant, ratios, opts.criteria, reasons),
    change_point: judgeChangePoint(variant, seriesEpochs, ratios, opts, reasons),
  };
}

/** The reasons that decide: every failing one; when clean, every passing one. */
function markDecisive(reasons: Reason[], verdict: DriftVerdict): void {
  for (const r of reasons) if (r.status === 'fail') r.decisive = true;
  if (verdict === 'CLEAN') for (const r of reasons) r.decisive = r.status === 'pass';
  if (verdict === 'UNDECIDED') for (const r of reasons) r.decisive = r.status === 'undecided';
}

/**
 * Leak and drift judgement of one variant from its epochs (any outcome; only completed ones are read).
 * Per-epoch slopes come from the rows (`rss_slope_low`/`rss_slope_high`); the service fills them from
 * samples when the row lacks them.
 */
export function judgeDrift(variant: string, epochs: readonly JudgedEpoch[], opts: DriftOptions): VariantDrift {
  const completed = splitArm(variant, epochs).completed;
  const reasons: Reason[] = [];
  const perEpoch = perEpochDrift(completed, opts.criteria);
  const empty: VariantDrift = {
    variant,
    epochs: perEpoch,
    slope_bytes_per_hour: null,
    slope_low: null,
    slope_high: null,
    leak: false,
    drift: false,
    verdict: 'UNDECIDED',
    reasons,
    flagged_epochs: 0,
    flagged_p_value: null,
    drift_pct: null,
    series: { trend: null, change_point: null },
  };
  if (completed.length === 0) {
    reasons.push({
      criterion: 'epochs',
      status: 'undecided',
      decisive: true,
      message: `${variant}: undecided: no completed epoch to judge; completed epochs would decide`,
    });
    return empty;
  }
  const within = judgeWithinEpochs(variant, completed, perEpoch, opts.criteria, reasons);
  const { drift_pct, drift, undecided } = judgeDriftPct(variant, completed, opts.criteria, reasons);
  const series = judgeAcrossEpochs(variant, completed, opts, reasons);
  const leak = within.leak || series.trend?.flagged === true || series.change_point?.flagged === true;
  // CLEAN only when nothing is undecided: never beside a drift estimate over the limit or without an interval.
  const anyUndecided = undecided || reasons.some((r) => r.status === 'undecided');
  const verdict: DriftVerdict = leak ? 'LEAK' : drift ? 'DRIFT' : anyUndecided ? 'UNDECIDED' : 'CLEAN';
  markDecisive(reasons, verdict);
  return {
    ...empty,
    slope_bytes_per_hour: jsonNumber(within.slope?.estimate),
    slope_low: jsonNumber(within.slope?.low),
    slope_high: jsonNumber(within.slope?.high),
    leak,
    drift,
    verdict,
    flagged_epochs: within.flagged,
    flagged_p_value: jsonNumber(within.flaggedP),
    drift_pct,
    series,
  };
}
