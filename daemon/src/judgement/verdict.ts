/**
 * The verdict engine: a comparison (baseline → candidate, goal speed or memory) judged from per-epoch rows.
 *
 * Order: guardrails (crash, leak/drift, syscalls) force NO-GO; then too few epochs is INSUFFICIENT; then
 * each measured ratio's confidence interval is placed against the goal's thresholds. Thresholds are
 * equivalence margins: a verdict needs the whole interval on one side of every threshold that matters, so
 * an A/A twin (ratio 1, inside the margins) can only come out NEUTRAL or INSUFFICIENT, and a false GO or
 * NO-GO needs the interval to miss the truth by more than the margin (rate ≤ (1 − confidence)/2 per side).
 * When intervals straddle thresholds, every verdict still possible is listed; one possible verdict
 * decides, several mean INSUFFICIENT with the epochs per arm that would likely settle the straddled
 * thresholds that matter.
 */

import { percent, ratioChange } from '../domain/format.js';
import { median } from '../stats/descriptive.js';
import { observationsToSettle } from '../stats/sample-size.js';
import { chooseBasis, cvOn, describeBasis, throughputOn, type ThroughputBasis } from './basis.js';
import { resolveCriteria, type Criteria, type Goal } from './criteria.js';
import { finiteValues, pairEpochs, splitArm, type Arm, type JudgedEpoch } from './epochs.js';
import { judgeDrift, type VariantDrift } from './leak.js';
import { estimateRatio, zOf, type RatioEstimate } from './ratio.js';
import { checkSpread, type SpreadCheck } from './spread-check.js';
import { bytes, fmt, jsonNumber, type Reason, type VerdictValue } from './types.js';

export interface ComparisonInput {
  baseline: string;
  candidate: string;
  goal: Goal;
  /** Overrides of the goal's default criteria (validated by `criteriaErrors`). */
  criteria?: Readonly<Record<string, unknown>> | Partial<Criteria>;
}

export type RssBasis = 'peak' | 'held';

export interface ArmCounts {
  completed: number;
  failed: number;
  ignored: number;
}

export interface ComparisonVerdict {
  baseline: string;
  candidate: string;
  goal: Goal;
  verdict: VerdictValue;
  /** Criterion key or guardrail that decided. */
  decided_by: string;
  /** Further epochs per arm that would likely settle an INSUFFICIENT verdict; null otherwise. */
  epochs_needed_per_arm: number | null;
  reasons: Reason[];
  criteria: Criteria;
  epochs: { baseline: ArmCounts; candidate: ArmCounts; pairs: number };
  /** What `throughput` (and the within-epoch CV) measure: ops per CPU-second or per wall-clock second. */
  throughput_basis: ThroughputBasis;
  throughput: RatioEstimate | null;
  /** The wall-clock throughput ratio, when the verdict is on the CPU basis (for reference). */
  throughput_wall: RatioEstimate | null;
  rss_peak: RatioEstimate | null;
  /** Held memory (median RSS − LazyFree after warm-up) candidate/baseline. */
  rss_held: RatioEstimate | null;
  /** Which RSS the memory goal judged: the peak, or held memory (criterion judge_held_rss). */
  rss_basis: RssBasis;
  spread: Omit<SpreadCheck, 'reasons'> | null;
  syscalls_per_op: { baseline: number | null; candidate: number | null };
  drift: { baseline: Omit<VariantDrift, 'reasons' | 'epochs'>; candidate: Omit<VariantDrift, 'reasons' | 'epochs'> };
}

function counts(arm: Arm): ArmCounts {
  return { completed: arm.completed.length, failed: arm.failed.length, ignored: arm.ignored.length };
}

/** Index of the region a value falls in: the number of thresholds it exceeds (thresholds ascending). */
function regionOf(v: number, thresholds: readonly number[]): number {
  let i = 0;
  for (const t of thresholds) if (v > t) i++;
  return i;
}

/** Regions an interval may lie in. */
function possibleRegions(est: RatioEstimate, thresholds: readonly number[]): number[] {
  const lo = regionOf(est.low as number, thresholds);
  const hi = regionOf(est.high as number, thresholds);
  const out: number[] = [];
  for (let r = lo; r <= hi; r++) out.push(r);
  return out;
}

function interval(est: RatioEstimate): string {
  const how =
    est.analysis === 'paired'
      ? `paired, ${est.n_pairs} pairs, Wilcoxon signed-rank`
      : `unpaired, ${est.n_baseline}+${est.n_candidate} epochs, Mann–Whitney`;
  if (est.confidence === null || est.low === null || est.high === null)
    return `${fmt(est.ratio)} (too few epochs for an interval; ${how} p = ${fmt(est.p_value)})`;
  return `${fmt(est.ratio)} [${fmt(est.low)}, ${fmt(est.high)}] (${Number((est.confidence * 100).toPrecision(3))} % CI; ${how} p = ${fmt(est.p_value)})`;
}

function stripDrift(d: VariantDrift): Omit<VariantDrift, 'reasons' | 'epochs'> {
  const { reasons: _r, epochs: _e, ...rest } = d;
  return rest;
}

/** A measured axis of the decision: an estimate, its thresholds, and the labels of its regions. */
interface Axis {
  name: string;
  criterion: (region: number) => string;
  est: RatioEstimate;
  thresholds: number[];
  regions: number[];
}

function settleNeeded(
  axes: readonly Axis[],
  decide: (choice: readonly number[]) => VerdictValue,
  confidence: number,
): { needed: number; criteria: string[] } {
  let needed = 0;
  const criteria: string[] = [];
  const all = (sets: readonly (readonly number[])[]): Set<VerdictValue> => {
    const out = new Set<VerdictValue>();
    const walk = (i: number, choice: number[]): void => {
      if (i === sets.length) {
        out.add(decide(choice));
        return;
      }
      for (const r of sets[i] as number[]) walk(i + 1, [...choice, r]);
    };
    walk(0, []);
    return out;
  };
  axes.forEach((axis, i) => {
    const lo = axis.regions[0] as number;
    const hi = axis.regions[axis.regions.length - 1] as number;
    for (let r = lo; r < hi; r++) {
      // Threshold between region r and r + 1: does resolving it matter?
      const sets = axes.map((a) => a.regions);
      const below = all(sets.map((s, j) => (j === i ? s.filter((x) => x <= r) : s)));
      const above = all(sets.map((s, j) => (j === i ? s.filter((x) => x > r) : s)));
      const same = below.size === above.size && [...below].every((v) => above.has(v));
      if (same) continue;
      const t = axis.thresholds[r] as number;
      const e = Math.log(axis.est.ratio);
      const bound = Math.log((e > Math.log(t) ? axis.est.low : axis.est.high) as number);
      const n = axis.est.analysis === 'paired' ? axis.est.n_pairs : Math.min(axis.est.n_baseline, axis.est.n_candidate);
      const s = observationsToSettle({ n, estimate: e, bound, threshold: Math.log(t), confidence });
      needed = Math.max(needed, s.further);
      criteria.push(axis.criterion(r));
    }
  });
  return { needed, criteria };
}

/** Epochs needed when there is no interval yet: reach min_epochs, and enough to separate the estimate from the nearest threshold. */
function neededWithoutInterval(est: RatioEstimate | null, thresholds: readonly number[], c: Criteria): number {
  const n = est ? Math.min(est.n_baseline, est.n_candidate) : 0;
  let needed = Math.max(1, c.min_epochs - n);
  if (est && est.se_log !== null && n >= 2 && thresholds.length > 0) {
    const e = Math.log(est.ratio);
    const nearest = thresholds.map(Math.log).reduce((a, b) => (Math.abs(b - e) < Math.abs(a - e) ? b : a));
    const z = zOf(c.confidence);
    const bound = nearest > e ? e + z * est.se_log : e - z * est.se_log;
    needed = Math.max(needed, observationsToSettle({ n, estimate: e, bound, threshold: nearest, confidence: c.confidence }).further);
  }
  return needed;
}

export function judgeComparison(epochs: readonly JudgedEpoch[], input: ComparisonInput): ComparisonVerdict {
  const c = resolveCriteria(input.goal, input.criteria);
  const { baseline, candidate, goal } = input;
  const A = splitArm(baseline, epochs);
  const B = splitArm(candidate, epochs);
  const reasons: Reason[] = [];
  const pairs = pairEpochs(A.completed, B.completed);
  const ratioOpts = { confidence: c.confidence };
  const basis = chooseBasis([A.completed, B.completed], c.throughput_per_cpu_second === 1);
  const throughput = estimateRatio(A.completed, B.completed, pairs, throughputOn(basis), ratioOpts);
  const throughputWall = basis === 'cpu' ? estimateRatio(A.completed, B.completed, pairs, throughputOn('wall'), ratioOpts) : null;
  const rssPeak = estimateRatio(A.completed, B.completed, pairs, (e) => e.rss_peak_bytes, ratioOpts);
  const rssHeld = estimateRatio(A.completed, B.completed, pairs, (e) => e.rss_held_bytes, ratioOpts);
  // The RSS the memory goal judges: the peak, or held memory when asked for and measured.
  const rssBasis: RssBasis = c.judge_held_rss === 1 && rssHeld !== null ? 'held' : 'peak';
  const rssJudged = rssBasis === 'held' ? rssHeld : rssPeak;
  const rssOf = (e: JudgedEpoch): number | null | undefined => (rssBasis === 'held' ? e.rss_held_bytes : e.rss_peak_bytes);
  const rssLabel = rssBasis === 'held' ? 'held RSS' : 'peak RSS';
  const driftOpts = { criteria: c };
  const driftA = judgeDrift(baseline, epochs, driftOpts);
  const driftB = judgeDrift(candidate, epochs, driftOpts);
  const sysA = finiteValues(A.completed, (e) => e.syscalls_per_op);
  const sysB = finiteValues(B.completed, (e) => e.syscalls_per_op);
  const sysMedA = sysA.length ? median(sysA) : null;
  const sysMedB = sysB.length ? median(sysB) : null;
  const spread =
    A.completed.length >= 2 && B.completed.length >= 2
      ? checkSpread(A.completed, B.completed, c, `${baseline}->${candidate}`, basis)
      : null;

  const result = (verdict: VerdictValue, decidedBy: string, needed: number | null): ComparisonVerdict => ({
    baseline,
    candidate,
    goal,
    verdict,
    decided_by: decidedBy,
    epochs_needed_per_arm: needed,
    reasons,
    criteria: c,
    epochs: { baseline: counts(A), candidate: counts(B), pairs: pairs.length },
    throughput_basis: basis,
    throughput,
    throughput_wall: throughputWall,
    rss_peak: rssPeak,
    rss_held: rssHeld,
    rss_basis: rssBasis,
    spread: spread ? { between: spread.between, within: spread.within, increased: spread.increased } : null,
    syscalls_per_op: { baseline: jsonNumber(sysMedA), candidate: jsonNumber(sysMedB) },
    drift: { baseline: stripDrift(driftA), candidate: stripDrift(driftB) },
  });

  reasons.push({
    criterion: 'throughput_per_cpu_second',
    status: 'info',
    decisive: false,
    message:
      basis === 'cpu'
        ? `throughput judged as ${describeBasis('cpu')} (every epoch reports CPU time)${throughputWall ? `; per wall-clock second the ratio is ${interval(throughputWall)}` : ''}`
        : c.throughput_per_cpu_second === 1
          ? `throughput judged as ${describeBasis('wall')}: not every epoch reports the workload's CPU time`
          : `throughput judged as ${describeBasis('wall')} (throughput_per_cpu_second 0)`,
  });

  // ---- Guardrails ------------------------------------------------------------------------------
  const guards: string[] = [];
  /** Conditions the candidate shares with the baseline: not the change's doing, but they bar GO. */
  const caps: string[] = [];
  if (B.failed.length > 0) {
    const list = B.failed
      .map((e) => `epoch ${e.id} ${e.outcome}${e.signal ? ` (${e.signal})` : ''}${e.outcome_reason ? `: ${e.outcome_reason}` : ''}`)
      .join('; ');
    reasons.push({
      criterion: 'guard.crash',
      status: 'fail',
      decisive: true,
      message: `candidate ${candidate} ended ${B.failed.length} epoch(s) badly: ${list}`,
      value: B.failed.length,
      threshold: 0,
    });
    guards.push('guard.crash');
  }
  if (A.failed.length > 0) {
    reasons.push({
      criterion: 'guard.crash',
      status: 'info',
      decisive: false,
      message: `baseline ${baseline} ended ${A.failed.length} epoch(s) badly (${A.failed.map((e) => `${e.id} ${e.outcome}`).join(', ')}); they are left out of the statistics`,
      value: A.failed.length,
    });
  }
  const leakyB = driftB.leak || driftB.drift;
  const leakyA = driftA.leak || driftA.drift;
  const driftLabel = (d: VariantDrift): string => (d.leak ? 'leaks' : 'drifts');
  const driftDetail = (d: VariantDrift): string =>
    d.reasons
      .filter((r) => r.status === 'fail')
      .map((r) => r.message)
      .join('; ');
  if (leakyB && !leakyA) {
    reasons.push({
      criterion: driftB.leak ? 'guard.leak' : 'guard.drift',
      status: 'fail',
      decisive: true,
      message: `candidate ${candidate} ${driftLabel(driftB)}: ${driftDetail(driftB)}`,
      value: driftB.slope_bytes_per_hour,
      low: driftB.slope_low,
      high: driftB.slope_high,
      threshold: c.leak_floor_bytes_per_hour,
    });
    guards.push(driftB.leak ? 'guard.leak' : 'guard.drift');
  } else if (leakyB && leakyA) {
    reasons.push({
      criterion: driftB.leak ? 'guard.leak' : 'guard.drift',
      status: 'fail',
      decisive: false,
      message: `both ${baseline} and ${candidate} leak or drift (${driftDetail(driftB)}); not the candidate's doing, but GO is withheld`,
    });
    caps.push(driftB.leak ? 'guard.leak' : 'guard.drift');
  } else if (driftB.verdict === 'CLEAN') {
    reasons.push({
      criterion: 'guard.leak',
      status: 'pass',
      decisive: false,
      message: `candidate ${candidate}: no leak (${driftB.flagged_epochs} of ${driftB.epochs.length} epochs over ${bytes(c.leak_floor_bytes_per_hour)}/h) and no drift`,
      value: driftB.slope_bytes_per_hour,
      low: driftB.slope_low,
      high: driftB.slope_high,
      threshold: c.leak_floor_bytes_per_hour,
    });
  }
  if (sysMedB !== null && sysMedB > c.syscalls_nogo_per_op) {
    const inherited = sysMedA !== null && sysMedA > c.syscalls_nogo_per_op && sysMedB <= sysMedA * 1.25;
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'fail',
      decisive: !inherited,
      message: inherited
        ? `syscalls per op ${fmt(sysMedB)} over the limit ${fmt(c.syscalls_nogo_per_op)}, as for the baseline (${fmt(sysMedA)}): inherited, but GO is withheld`
        : `candidate makes ${fmt(sysMedB)} memory syscalls per op (median), over the limit ${fmt(c.syscalls_nogo_per_op)} (baseline ${fmt(sysMedA)})`,
      value: sysMedB,
      threshold: c.syscalls_nogo_per_op,
    });
    (inherited ? caps : guards).push('syscalls_nogo_per_op');
  } else if (sysMedB === null) {
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'info',
      decisive: false,
      message: 'syscalls per op not measured for the candidate: syscall criteria skipped',
    });
  } else {
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'pass',
      decisive: false,
      message: `candidate memory syscalls per op ${fmt(sysMedB)} ≤ ${fmt(c.syscalls_nogo_per_op)}`,
      value: sysMedB,
      threshold: c.syscalls_nogo_per_op,
    });
  }
  if (guards.length > 0) {
    addMeasurementInfo(reasons, throughput, rssJudged, rssLabel);
    return result('NO-GO', guards[0] as string, null);
  }

  // ---- Enough data? ------------------------------------------------------------------------------
  const primary = goal === 'speed' ? throughput : rssJudged;
  const speedLines = [1 - c.slowdown_tolerance_pct / 100, 1 + c.speedup_min_pct / 100];
  const rssLines = [1 - c.rss_cut_go_pct / 100, 1 - c.rss_cut_nogo_pct / 100];
  const costLine = [1 - c.throughput_cost_max_pct / 100];
  const nA = A.completed.length;
  const nB = B.completed.length;
  const noInterval = (e: RatioEstimate | null): boolean => e === null || e.low === null || e.high === null;
  if (nA < c.min_epochs || nB < c.min_epochs || noInterval(throughput) || (goal === 'memory' && noInterval(rssJudged))) {
    const needed = Math.max(
      neededWithoutInterval(throughput, goal === 'speed' ? speedLines : costLine, c),
      goal === 'memory' ? neededWithoutInterval(rssJudged, rssLines, c) : 0,
    );
    const what =
      primary === null
        ? `no ${goal === 'speed' ? 'throughput' : rssLabel} measured in one arm`
        : `${nA} baseline and ${nB} candidate completed epochs`;
    reasons.push({
      criterion: 'min_epochs',
      status: 'undecided',
      decisive: true,
      message: `too few epochs to judge: ${what} (need ${c.min_epochs} per arm and a ${Math.round(c.confidence * 100)} % interval); about ${needed} more per arm`,
      value: Math.min(nA, nB),
      threshold: c.min_epochs,
    });
    addMeasurementInfo(reasons, throughput, rssJudged, rssLabel);
    return result('INSUFFICIENT', 'min_epochs', needed);
  }
  const tp = throughput as RatioEstimate;

  // ---- GO gates ---------------------------------------------------------------------------------
  const gates: string[] = [...caps];
  if (spread) {
    reasons.push(...spread.reasons);
    if (spread.increased) gates.push('spread_increase_max');
  }
  if (goal === 'memory') {
    if (sysMedB !== null) {
      const ok = sysMedB < c.syscalls_go_per_op;
      reasons.push({
        criterion: 'syscalls_go_per_op',
        status: ok ? 'pass' : 'fail',
        decisive: false,
        message: `candidate memory syscalls per op ${fmt(sysMedB)} ${ok ? '<' : '≥'} ${fmt(c.syscalls_go_per_op)} (needed for GO)`,
        value: sysMedB,
        threshold: c.syscalls_go_per_op,
      });
      if (!ok) gates.push('syscalls_go_per_op');
    }
    const cvB = finiteValues(B.completed, cvOn(basis));
    if (cvB.length > 0) {
      const cvPct = median(cvB) * 100;
      const ok = cvPct < c.cv_max_pct;
      reasons.push({
        criterion: 'cv_max_pct',
        status: ok ? 'pass' : 'fail',
        decisive: false,
        message: `candidate within-epoch throughput CV ${fmt(cvPct)} % ${ok ? '<' : '≥'} ${c.cv_max_pct} % (needed for GO)`,
        value: cvPct,
        threshold: c.cv_max_pct,
      });
      if (!ok) gates.push('cv_max_pct');
    }
  }
  // The rules below say what the intervals allow (`rule`); a failed GO gate turns that GO into NEUTRAL.
  const gated = (v: VerdictValue): VerdictValue => (v === 'GO' && gates.length > 0 ? 'NEUTRAL' : v);

  // ---- Intervals against thresholds ---------------------------------------------------------------
  let axes: Axis[];
  let rule: (choice: readonly number[]) => VerdictValue;
  let labels: (choice: readonly number[]) => string;
  if (goal === 'speed') {
    axes = [
      {
        name: 'throughput',
        criterion: (r) => (r === 0 ? 'slowdown_tolerance_pct' : 'speedup_min_pct'),
        est: tp,
        thresholds: speedLines,
        regions: possibleRegions(tp, speedLines),
      },
    ];
    const map: VerdictValue[] = ['NO-GO', 'NEUTRAL', 'GO'];
    rule = (ch) => map[ch[0] as number] as VerdictValue;
    labels = (ch) => ['slowdown_tolerance_pct', 'slowdown_tolerance_pct', 'speedup_min_pct'][ch[0] as number] as string;
    const [L, H] = speedLines as [number, number];
    reasons.push({
      criterion: 'throughput',
      status: 'info',
      decisive: false,
      message: `throughput candidate/baseline ${interval(tp)}: ${ratioChange(tp.ratio)}; NO-GO below ${fmt(L)} (slowdown_tolerance_pct ${c.slowdown_tolerance_pct}), GO above ${fmt(H)} (speedup_min_pct ${c.speedup_min_pct})`,
      value: tp.ratio,
      low: tp.low,
      high: tp.high,
      p_value: tp.p_value,
    });
  } else {
    const rp = rssJudged as RatioEstimate;
    const peaksB = finiteValues(B.completed, rssOf);
    const absoluteGo = peaksB.length === nB && peaksB.every((p) => p < c.rss_go_below_bytes);
    let rssRegions = absoluteGo ? [0] : possibleRegions(rp, rssLines);
    // "No memory effect": the whole interval within ± rss_equivalence_pct of 1 (an A/A twin).
    const equivalent = (rp.low as number) >= 1 - c.rss_equivalence_pct / 100 && (rp.high as number) <= 1 + c.rss_equivalence_pct / 100;
    if (equivalent) rssRegions = [3];
    axes = [
      {
        name: 'rss_peak',
        criterion: (r) => (r === 0 ? 'rss_cut_go_pct' : 'rss_cut_nogo_pct'),
        est: rp,
        thresholds: rssLines,
        regions: rssRegions,
      },
      {
        name: 'throughput',
        criterion: () => 'throughput_cost_max_pct',
        est: tp,
        thresholds: costLine,
        regions: possibleRegions(tp, costLine),
      },
    ];
    // rss region: 0 cut ≥ go, 1 between, 2 cut < nogo, 3 no effect; throughput region: 0 costly, 1 ok.
    rule = (ch) => {
      const rss = ch[0] as number;
      const ok = ch[1] === 1;
      if (rss === 0) return ok ? 'GO' : 'NEUTRAL';
      if (rss === 1) return 'NEUTRAL';
      if (rss === 2) return 'NO-GO';
      return ok ? 'NEUTRAL' : 'NO-GO';
    };
    labels = (ch) => {
      const rss = ch[0] as number;
      if (rss === 0) return ch[1] === 1 ? 'rss_cut_go_pct' : 'throughput_cost_max_pct';
      if (rss === 1) return 'rss_cut_go_pct';
      if (rss === 2) return 'rss_cut_nogo_pct';
      return 'rss_equivalence_pct';
    };
    const [qGo, qNo] = rssLines as [number, number];
    reasons.push({
      criterion: 'rss_peak',
      status: 'info',
      decisive: false,
      message: `${rssLabel} candidate/baseline ${interval(rp)}: cut ${percent(1 - rp.ratio)} (${bytes(rp.baseline_median)} → ${bytes(rp.candidate_median)}); GO at ratio ≤ ${fmt(qGo)} (rss_cut_go_pct ${c.rss_cut_go_pct})${absoluteGo ? ` or below ${bytes(c.rss_go_below_bytes)} in every epoch (met)` : ` or below ${bytes(c.rss_go_below_bytes)}`}, NO-GO above ${fmt(qNo)} (rss_cut_nogo_pct ${c.rss_cut_nogo_pct})${equivalent ? `; within ±${c.rss_equivalence_pct} %: no memory effect` : ''}`,
      value: rp.ratio,
      low: rp.low,
      high: rp.high,
      p_value: rp.p_value,
    });
    reasons.push({
      criterion: 'throughput',
      status: 'info',
      decisive: false,
      message: `throughput candidate/baseline ${interval(tp)}: cost ${ratioChange(tp.ratio)}; GO needs ratio ≥ ${fmt(costLine[0])} (throughput_cost_max_pct ${c.throughput_cost_max_pct})`,
      value: tp.ratio,
      low: tp.low,
      high: tp.high,
      p_value: tp.p_value,
    });
  }

  const decide = (choice: readonly number[]): VerdictValue => gated(rule(choice));
  /** Every verdict the intervals still allow, each with what would decide it (in walk order). */
  const possible = new Map<VerdictValue, Set<string>>();
  const walk = (i: number, choice: number[]): void => {
    if (i === axes.length) {
      const v = decide(choice);
      // When a gate, not a threshold, made it NEUTRAL, the gate is what decided.
      const by = v !== rule(choice) ? (gates[0] as string) : labels(choice);
      possible.set(v, (possible.get(v) ?? new Set<string>()).add(by));
      return;
    }
    for (const r of (axes[i] as Axis).regions) walk(i + 1, [...choice, r]);
  };
  walk(0, []);

  if (possible.size === 1) {
    const [[verdict, ways]] = [...possible.entries()] as [[VerdictValue, Set<string>]];
    // One verdict, possibly reached in several ways (an interval straddles a threshold, but both sides give
    // the same verdict, e.g. a cost that may be too high, or else a gate that withholds GO): then a gate, if
    // one is among the ways, is what holds whichever way the straddled threshold goes.
    const first = [...ways][0] as string;
    const decidedBy = ways.size > 1 ? ([...ways].find((w) => gates.includes(w)) ?? first) : first;
    const message =
      ways.size > 1
        ? `${verdict} whichever way the undecided interval(s) resolve: ${[...ways].map((w) => (gates.includes(w) ? `GO withheld by ${w}` : w)).join(', or ')} (${decisiveNumbers(tp, rssJudged, rssLabel)})`
        : decisiveMessage(verdict, decidedBy, goal, c, tp, rssJudged, gates, rssLabel);
    reasons.push({
      criterion: decidedBy,
      status: verdict === 'GO' ? 'pass' : verdict === 'NEUTRAL' ? 'info' : 'fail',
      decisive: true,
      message,
    });
    for (const r of reasons) if (r.criterion === decidedBy && r.status !== 'pass' && verdict !== 'GO') r.decisive = true;
    return result(verdict, decidedBy, null);
  }
  const settle = settleNeeded(axes, decide, c.confidence);
  const options = [...possible.keys()].join(' or ');
  const needed = Math.max(1, settle.needed);
  reasons.push({
    criterion: settle.criteria[0] ?? 'confidence',
    status: 'undecided',
    decisive: true,
    message: `the ${Math.round(c.confidence * 100)} % interval(s) straddle ${settle.criteria.join(', ') || 'a threshold'}: still ${options}; about ${needed} more epochs per arm would likely settle it`,
  });
  return result('INSUFFICIENT', settle.criteria[0] ?? 'confidence', needed);
}

function addMeasurementInfo(reasons: Reason[], tp: RatioEstimate | null, rss: RatioEstimate | null, rssLabel: string): void {
  if (tp)
    reasons.push({
      criterion: 'throughput',
      status: 'info',
      decisive: false,
      message: `throughput candidate/baseline ${interval(tp)}`,
      value: tp.ratio,
      low: tp.low,
      high: tp.high,
      p_value: tp.p_value,
    });
  if (rss)
    reasons.push({
      criterion: 'rss_peak',
      status: 'info',
      decisive: false,
      message: `${rssLabel} candidate/baseline ${interval(rss)}`,
      value: rss.ratio,
      low: rss.low,
      high: rss.high,
      p_value: rss.p_value,
    });
}

function decisiveNumbers(tp: RatioEstimate, rss: RatioEstimate | null, rssLabel: string): string {
  const t = `throughput ${ratioChange(tp.ratio)} [${ratioChange(tp.low)}, ${ratioChange(tp.high)}]`;
  return rss ? `${t}, ${rssLabel} ${ratioChange(rss.ratio)} [${ratioChange(rss.low)}, ${ratioChange(rss.high)}]` : t;
}

function decisiveMessage(
  verdict: VerdictValue,
  by: string,
  goal: Goal,
  c: Criteria,
  tp: RatioEstimate,
  rss: RatioEstimate | null,
  gates: readonly string[],
  rssLabel: string,
): string {
  const t = `throughput ${ratioChange(tp.ratio)} [${ratioChange(tp.low)}, ${ratioChange(tp.high)}]`;
  const r = rss ? `${rssLabel} ${ratioChange(rss.ratio)} [${ratioChange(rss.low)}, ${ratioChange(rss.high)}]` : '';
  switch (by) {
    case 'slowdown_tolerance_pct':
      return verdict === 'NO-GO'
        ? `NO-GO: a real slowdown, ${t}, entirely beyond the tolerated −${c.slowdown_tolerance_pct} %`
        : `NEUTRAL: ${t} lies within −${c.slowdown_tolerance_pct} % … +${c.speedup_min_pct} %: no speed change that matters`;
    case 'speedup_min_pct':
      return `GO: a real speed-up, ${t}, entirely above +${c.speedup_min_pct} %`;
    case 'rss_cut_go_pct':
      return verdict === 'GO'
        ? `GO: ${r} meets the ${c.rss_cut_go_pct} % cut (or the ${bytes(c.rss_go_below_bytes)} ceiling) at an acceptable cost, ${t} (≤ ${c.throughput_cost_max_pct} %)`
        : `NEUTRAL: memory improves (${r}) but surely not by ${c.rss_cut_go_pct} %`;
    case 'throughput_cost_max_pct':
      return `NEUTRAL: memory improves (${r}) but costs too much: ${t}, surely worse than −${c.throughput_cost_max_pct} %`;
    case 'rss_cut_nogo_pct':
      return `NO-GO: ${rssLabel} surely falls by less than ${c.rss_cut_nogo_pct} % (${r})`;
    case 'rss_equivalence_pct':
      return verdict === 'NEUTRAL'
        ? `NEUTRAL: no memory effect (${r}, within ±${c.rss_equivalence_pct} %) and no throughput cost beyond ${c.throughput_cost_max_pct} % (${t})`
        : `NO-GO: no memory effect (${r}) for a real throughput cost (${t}, beyond −${c.throughput_cost_max_pct} %)`;
    default:
      return `${verdict}: ${goal} criteria met but GO withheld by ${gates.join(', ')} (${t}${r ? `, ${r}` : ''})`;
  }
}
