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

import { median } from '../stats/descriptive.js';
import { observationsToSettle } from '../stats/sample-size.js';
import { cvOn, describeBasis, type ThroughputBasis } from './basis.js';
import { measure, type ComparisonInput, type Measured, type RssBasis } from './comparison-measure.js';
import { resolveCriteria, type Criteria, type Goal } from './criteria.js';
import { finiteValues, type Arm, type JudgedEpoch } from './epochs.js';
import { checkGuardrails } from './guardrails.js';
import type { VariantDrift } from './leak.js';
import { zOf, type RatioEstimate } from './ratio.js';
import type { SpreadCheck } from './spread-check.js';
import { confidenceLevel, percent, ratioChange } from '../domain/format.js';
import { bytes, fmt, jsonNumber, type Reason, type VerdictValue } from './types.js';

export type { ComparisonInput, RssBasis } from './comparison-measure.js';

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
  return `${fmt(est.ratio)} [${fmt(est.low)}, ${fmt(est.high)}] (${confidenceLevel(est.confidence)} CI; ${how} p = ${fmt(est.p_value)})`;
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

/** An axis whose regions are those its interval reaches, unless the rule has already narrowed them. */
function axis(
  name: string,
  est: RatioEstimate,
  thresholds: number[],
  criterion: Axis['criterion'],
  regions: number[] = possibleRegions(est, thresholds),
): Axis {
  return { name, criterion, est, thresholds, regions };
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

/** Thresholds on the ratios, from the criteria: each list ascending. */
interface Lines {
  /** Speed goal: NO-GO below the first, GO above the second. */
  speed: number[];
  /** Memory goal: GO at or below the first, NO-GO above the second. */
  rss: number[];
  /** Memory goal: the lowest acceptable throughput ratio. */
  cost: number[];
}

function linesOf(c: Criteria): Lines {
  return {
    speed: [1 - c.slowdown_tolerance_pct / 100, 1 + c.speedup_min_pct / 100],
    rss: [1 - c.rss_cut_go_pct / 100, 1 - c.rss_cut_nogo_pct / 100],
    cost: [1 - c.throughput_cost_max_pct / 100],
  };
}

function verdictOf(
  m: Measured,
  c: Criteria,
  reasons: Reason[],
  verdict: VerdictValue,
  decidedBy: string,
  needed: number | null,
): ComparisonVerdict {
  return {
    baseline: m.baseline,
    candidate: m.candidate,
    goal: m.goal,
    verdict,
    decided_by: decidedBy,
    epochs_needed_per_arm: needed,
    reasons,
    criteria: c,
    epochs: { baseline: counts(m.A), candidate: counts(m.B), pairs: m.pairs.length },
    throughput_basis: m.basis,
    throughput: m.throughput,
    throughput_wall: m.throughputWall,
    rss_peak: m.rssPeak,
    rss_held: m.rssHeld,
    rss_basis: m.rssBasis,
    spread: m.spread ? { between: m.spread.between, within: m.spread.within, increased: m.spread.increased } : null,
    syscalls_per_op: { baseline: jsonNumber(m.sysMedA), candidate: jsonNumber(m.sysMedB) },
    drift: { baseline: stripDrift(m.driftA), candidate: stripDrift(m.driftB) },
  };
}

function basisReason(m: Measured, c: Criteria): Reason {
  return {
    criterion: 'throughput_per_cpu_second',
    status: 'info',
    decisive: false,
    message:
      m.basis === 'cpu'
        ? `throughput judged as ${describeBasis('cpu')} (every epoch reports CPU time)${m.throughputWall ? `; per wall-clock second the ratio is ${interval(m.throughputWall)}` : ''}`
        : c.throughput_per_cpu_second === 1
          ? `throughput judged as ${describeBasis('wall')}: not every epoch reports the workload's CPU time`
          : `throughput judged as ${describeBasis('wall')} (throughput_per_cpu_second 0)`,
  };
}

/**
 * Too few epochs, or no interval yet, for the ratios the goal judges: the epochs per arm that would likely
 * be enough (and the reason saying so); null when there are enough.
 */
function tooFewEpochs(m: Measured, c: Criteria, lines: Lines, reasons: Reason[]): number | null {
  const { goal, throughput, rssJudged } = m;
  const nA = m.A.completed.length;
  const nB = m.B.completed.length;
  const noInterval = (e: RatioEstimate | null): boolean => e === null || e.low === null || e.high === null;
  if (!(nA < c.min_epochs || nB < c.min_epochs || noInterval(throughput) || (goal === 'memory' && noInterval(rssJudged)))) return null;
  const needed = Math.max(
    neededWithoutInterval(throughput, goal === 'speed' ? lines.speed : lines.cost, c),
    goal === 'memory' ? neededWithoutInterval(rssJudged, lines.rss, c) : 0,
  );
  const primary = goal === 'speed' ? throughput : rssJudged;
  const what =
    primary === null
      ? `no ${goal === 'speed' ? 'throughput' : m.rssLabel} measured in one arm`
      : `${nA} baseline and ${nB} candidate completed epochs`;
  reasons.push({
    criterion: 'min_epochs',
    status: 'undecided',
    decisive: true,
    message: `too few epochs to judge: ${what} (need ${c.min_epochs} per arm and a ${confidenceLevel(c.confidence)} interval); about ${needed} more per arm`,
    value: Math.min(nA, nB),
    threshold: c.min_epochs,
  });
  return needed;
}

/** Conditions a GO needs besides the intervals (the guardrails' caps first); each failed one withholds GO. */
function goGates(m: Measured, c: Criteria, caps: readonly string[], reasons: Reason[]): string[] {
  const gates: string[] = [...caps];
  if (m.spread) {
    reasons.push(...m.spread.reasons);
    if (m.spread.increased) gates.push('spread_increase_max');
  }
  if (m.goal !== 'memory') return gates;
  const sysMedB = m.sysMedB;
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
  const cvB = finiteValues(m.B.completed, cvOn(m.basis));
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
  return gates;
}

/**
 * The measured axes of a goal, and what the intervals allow (`rule`, before the GO gates) for each choice
 * of region on the axes, with the criterion that would decide it (`labels`).
 */
interface Decision {
  axes: Axis[];
  rule: (choice: readonly number[]) => VerdictValue;
  labels: (choice: readonly number[]) => string;
}

/** What a ratio's interval says about one criterion: information for the reader, decisive only through the rule. */
function ratioReason(criterion: string, est: RatioEstimate, message: string): Reason {
  return { criterion, status: 'info', decisive: false, message, value: est.ratio, low: est.low, high: est.high, p_value: est.p_value };
}

function speedDecision(tp: RatioEstimate, c: Criteria, lines: Lines, reasons: Reason[]): Decision {
  const map: VerdictValue[] = ['NO-GO', 'NEUTRAL', 'GO'];
  const [L, H] = lines.speed as [number, number];
  reasons.push(
    ratioReason(
      'throughput',
      tp,
      `throughput candidate/baseline ${interval(tp)}: ${ratioChange(tp.ratio)}; NO-GO below ${fmt(L)} (slowdown_tolerance_pct ${c.slowdown_tolerance_pct}), GO above ${fmt(H)} (speedup_min_pct ${c.speedup_min_pct})`,
    ),
  );
  return {
    axes: [axis('throughput', tp, lines.speed, (r) => (r === 0 ? 'slowdown_tolerance_pct' : 'speedup_min_pct'))],
    rule: (ch) => map[ch[0] as number] as VerdictValue,
    labels: (ch) => ['slowdown_tolerance_pct', 'slowdown_tolerance_pct', 'speedup_min_pct'][ch[0] as number] as string,
  };
}

function memoryDecision(m: Measured, tp: RatioEstimate, c: Criteria, lines: Lines, reasons: Reason[]): Decision {
  const rp = m.rssJudged as RatioEstimate;
  const peaksB = finiteValues(m.B.completed, m.rssOf);
  const absoluteGo = peaksB.length === m.B.completed.length && peaksB.every((p) => p < c.rss_go_below_bytes);
  let rssRegions = absoluteGo ? [0] : possibleRegions(rp, lines.rss);
  // "No memory effect": the whole interval within ± rss_equivalence_pct of 1 (an A/A twin).
  const equivalent = (rp.low as number) >= 1 - c.rss_equivalence_pct / 100 && (rp.high as number) <= 1 + c.rss_equivalence_pct / 100;
  if (equivalent) rssRegions = [3];
  const [qGo, qNo] = lines.rss as [number, number];
  reasons.push(
    ratioReason(
      'rss_peak',
      rp,
      `${m.rssLabel} candidate/baseline ${interval(rp)}: cut ${percent(1 - rp.ratio)} (${bytes(rp.baseline_median)} → ${bytes(rp.candidate_median)}); GO at ratio ≤ ${fmt(qGo)} (rss_cut_go_pct ${c.rss_cut_go_pct})${absoluteGo ? ` or below ${bytes(c.rss_go_below_bytes)} in every epoch (met)` : ` or below ${bytes(c.rss_go_below_bytes)}`}, NO-GO above ${fmt(qNo)} (rss_cut_nogo_pct ${c.rss_cut_nogo_pct})${equivalent ? `; within ±${c.rss_equivalence_pct} %: no memory effect` : ''}`,
    ),
    ratioReason(
      'throughput',
      tp,
      `throughput candidate/baseline ${interval(tp)}: cost ${ratioChange(tp.ratio)}; GO needs ratio ≥ ${fmt(lines.cost[0])} (throughput_cost_max_pct ${c.throughput_cost_max_pct})`,
    ),
  );
  return {
    axes: [
      axis('rss_peak', rp, lines.rss, (r) => (r === 0 ? 'rss_cut_go_pct' : 'rss_cut_nogo_pct'), rssRegions),
      axis('throughput', tp, lines.cost, () => 'throughput_cost_max_pct'),
    ],
    rule: memoryVerdict,
    labels: memoryCriterion,
  };
}

// The memory goal's regions: RSS 0 cut ≥ go, 1 between, 2 cut < nogo, 3 no effect; throughput 0 costly, 1 ok.

function memoryVerdict([rss, throughput]: readonly number[]): VerdictValue {
  const ok = throughput === 1;
  if (rss === 0) return ok ? 'GO' : 'NEUTRAL';
  if (rss === 1) return 'NEUTRAL';
  if (rss === 2) return 'NO-GO';
  return ok ? 'NEUTRAL' : 'NO-GO';
}

function memoryCriterion([rss, throughput]: readonly number[]): string {
  if (rss === 0) return throughput === 1 ? 'rss_cut_go_pct' : 'throughput_cost_max_pct';
  if (rss === 1) return 'rss_cut_go_pct';
  if (rss === 2) return 'rss_cut_nogo_pct';
  return 'rss_equivalence_pct';
}

/** Every verdict the intervals still allow, each with what would decide it (in walk order). */
function possibleVerdicts(d: Decision, gates: readonly string[]): Map<VerdictValue, Set<string>> {
  // A failed GO gate turns what the intervals allow as GO into NEUTRAL.
  const gated = (v: VerdictValue): VerdictValue => (v === 'GO' && gates.length > 0 ? 'NEUTRAL' : v);
  const possible = new Map<VerdictValue, Set<string>>();
  const walk = (i: number, choice: number[]): void => {
    if (i === d.axes.length) {
      const v = gated(d.rule(choice));
      // When a gate, not a threshold, made it NEUTRAL, the gate is what decided.
      const by = v !== d.rule(choice) ? (gates[0] as string) : d.labels(choice);
      possible.set(v, (possible.get(v) ?? new Set<string>()).add(by));
      return;
    }
    for (const r of (d.axes[i] as Axis).regions) walk(i + 1, [...choice, r]);
  };
  walk(0, []);
  return possible;
}

interface Decided {
  verdict: VerdictValue;
  decidedBy: string;
  needed: number | null;
}

/** The verdict when the intervals leave only one; the decisive reason says why. */
function decideOne(
  [verdict, ways]: [VerdictValue, Set<string>],
  m: Measured,
  tp: RatioEstimate,
  c: Criteria,
  gates: readonly string[],
  reasons: Reason[],
): Decided {
  // One verdict, possibly reached in several ways (an interval straddles a threshold, but both sides give
  // the same verdict, e.g. a cost that may be too high, or else a gate that withholds GO): then a gate, if
  // one is among the ways, is what holds whichever way the straddled threshold goes.
  const first = [...ways][0] as string;
  const decidedBy = ways.size > 1 ? ([...ways].find((w) => gates.includes(w)) ?? first) : first;
  const message =
    ways.size > 1
      ? `${verdict} whichever way the undecided interval(s) resolve: ${[...ways].map((w) => (gates.includes(w) ? `GO withheld by ${w}` : w)).join(', or ')} (${decisiveNumbers(tp, m.rssJudged, m.rssLabel)})`
      : decisiveMessage(verdict, decidedBy, m.goal, c, tp, m.rssJudged, gates, m.rssLabel);
  reasons.push({
    criterion: decidedBy,
    status: verdict === 'GO' ? 'pass' : verdict === 'NEUTRAL' ? 'info' : 'fail',
    decisive: true,
    message,
  });
  for (const r of reasons) if (r.criterion === decidedBy && r.status !== 'pass' && verdict !== 'GO') r.decisive = true;
  return { verdict, decidedBy, needed: null };
}

/** INSUFFICIENT while the intervals allow several verdicts, with the epochs per arm that would likely settle it. */
function undecided(
  possible: Map<VerdictValue, Set<string>>,
  d: Decision,
  gates: readonly string[],
  c: Criteria,
  reasons: Reason[],
): Decided {
  const gated = (choice: readonly number[]): VerdictValue => {
    const v = d.rule(choice);
    return v === 'GO' && gates.length > 0 ? 'NEUTRAL' : v;
  };
  const settle = settleNeeded(d.axes, gated, c.confidence);
  const options = [...possible.keys()].join(' or ');
  const needed = Math.max(1, settle.needed);
  reasons.push({
    criterion: settle.criteria[0] ?? 'confidence',
    status: 'undecided',
    decisive: true,
    message: `the ${confidenceLevel(c.confidence)} interval(s) straddle ${settle.criteria.join(', ') || 'a threshold'}: still ${options}; about ${needed} more epochs per arm would likely settle it`,
  });
  return { verdict: 'INSUFFICIENT', decidedBy: settle.criteria[0] ?? 'confidence', needed };
}

export function judgeComparison(epochs: readonly JudgedEpoch[], input: ComparisonInput): ComparisonVerdict {
  const c = resolveCriteria(input.goal, input.criteria);
  const m = measure(epochs, input, c);
  const lines = linesOf(c);
  const reasons: Reason[] = [basisReason(m, c)];
  const result = (o: Decided): ComparisonVerdict => verdictOf(m, c, reasons, o.verdict, o.decidedBy, o.needed);

  const { guards, caps } = checkGuardrails(m, c, reasons);
  if (guards.length > 0) {
    addMeasurementInfo(reasons, m.throughput, m.rssJudged, m.rssLabel);
    return result({ verdict: 'NO-GO', decidedBy: guards[0] as string, needed: null });
  }
  const needed = tooFewEpochs(m, c, lines, reasons);
  if (needed !== null) {
    addMeasurementInfo(reasons, m.throughput, m.rssJudged, m.rssLabel);
    return result({ verdict: 'INSUFFICIENT', decidedBy: 'min_epochs', needed });
  }
  const tp = m.throughput as RatioEstimate;
  const gates = goGates(m, c, caps, reasons);
  const decision = m.goal === 'speed' ? speedDecision(tp, c, lines, reasons) : memoryDecision(m, tp, c, lines, reasons);
  const possible = possibleVerdicts(decision, gates);
  if (possible.size === 1) return result(decideOne([...possible.entries()][0] as [VerdictValue, Set<string>], m, tp, c, gates, reasons));
  return result(undecided(possible, decision, gates, c, reasons));
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
