/**
 * A comparison judged as an adaptive schedule judges it: at its planned looks only (looks.ts), on the
 * first n_j pairs at look j's confidence, so that a comparison stopped as soon as it settles keeps a valid
 * verdict; and, while it is open, how many more epochs per arm it likely needs to reach the look that
 * settles it. In a duet plan a comparison is judged on the rounds its two arms ran together only: an arm
 * also runs beside other partners, whose share of the machine's noise is not this pair's.
 */
import { resolveCriteria } from './criteria.js';
import type { JudgedEpoch } from './epochs.js';
import { lookReached, looksAfter, plannedLooks, settlingLook, type Look } from './looks.js';
import { judgeComparison, type ComparisonInput, type ComparisonVerdict } from './verdict.js';

export interface LookedVerdict extends ComparisonVerdict {
  /** The look the verdict was judged at (null before the first look, or when the schedule has no looks). */
  look: Look | null;
}

const roundKey = (e: JudgedEpoch): string | null => (typeof e.round === 'number' ? `${e.campaign_id}:${e.round}` : null);

/** Each arm's epochs of the rounds both arms ran (rows without a round are kept: they predate rounds). */
export function sharedRounds(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[]): [JudgedEpoch[], JudgedEpoch[]] {
  const keys = (rows: readonly JudgedEpoch[]): Set<string | null> => new Set(rows.map(roundKey));
  const inA = keys(baseline);
  const inB = keys(candidate);
  const keep = (rows: readonly JudgedEpoch[], other: Set<string | null>): JudgedEpoch[] =>
    rows.filter((e) => roundKey(e) === null || other.has(roundKey(e)));
  return [keep(baseline, inB), keep(candidate, inA)];
}

const byStart = (a: JudgedEpoch, b: JudgedEpoch): number =>
  a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a.id - b.id;

/** Completed epochs of a duet's rounds in which both arms completed, by round start. */
function completedRounds(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[]): [JudgedEpoch, JudgedEpoch][] {
  const partner = new Map<string, JudgedEpoch>();
  for (const e of candidate) {
    const key = roundKey(e);
    if (key !== null && e.outcome === 'completed') partner.set(key, e);
  }
  const rounds: [JudgedEpoch, JudgedEpoch][] = [];
  for (const e of [...baseline].sort(byStart)) {
    const key = roundKey(e);
    const p = key === null ? undefined : partner.get(key);
    if (e.outcome === 'completed' && p !== undefined) rounds.push([e, p]);
  }
  return rounds;
}

/** Pairs measured so far: rounds both arms completed (duet), else the smaller arm's completed epochs. */
export function measuredPairs(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[], duet: boolean): number {
  if (duet) return completedRounds(baseline, candidate).length;
  const done = (rows: readonly JudgedEpoch[]): number => rows.filter((e) => e.outcome === 'completed').length;
  return Math.min(done(baseline), done(candidate));
}

/**
 * The epochs a look at n pairs judges: the first n pairs' completed epochs (in a duet, of the first n rounds
 * both arms completed; else each arm's first n), and every epoch that did not complete (a crash later on
 * is still a guardrail).
 */
export function firstPairs(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[], n: number, duet: boolean): JudgedEpoch[] {
  const notCompleted = [...baseline, ...candidate].filter((e) => e.outcome !== 'completed');
  if (duet) return [...completedRounds(baseline, candidate).slice(0, n).flat(), ...notCompleted];
  const first = (rows: readonly JudgedEpoch[]): JudgedEpoch[] =>
    rows
      .filter((e) => e.outcome === 'completed')
      .sort(byStart)
      .slice(0, n);
  return [...first(baseline), ...first(candidate), ...notCompleted];
}

/** The comparison judged at its last planned look, with the further epochs per arm to the look that likely settles it. */
export function judgeAtLooks(
  baseline: readonly JudgedEpoch[],
  candidate: readonly JudgedEpoch[],
  input: ComparisonInput,
  duet: boolean,
): LookedVerdict {
  const c = resolveCriteria(input.goal, input.criteria);
  const looks = plannedLooks(c.confidence, c.min_epochs);
  const n = measuredPairs(baseline, candidate, duet);
  const look = lookReached(looks, n);
  const at = (l: Look, minEpochs: number): ComparisonInput => ({
    ...input,
    criteria: { ...input.criteria, confidence: l.confidence, min_epochs: minEpochs },
  });
  const first = looks[0] as Look;
  const verdict =
    look === null
      ? judgeComparison([...baseline, ...candidate], at(first, first.n))
      : judgeComparison(firstPairs(baseline, candidate, look.n, duet), at(look, Math.min(c.min_epochs, look.n)));
  if (verdict.verdict !== 'INSUFFICIENT') return { ...verdict, look };
  const later = looksAfter(looks, n);
  const next = later[0];
  if (next === undefined) return { ...verdict, look };
  // Before the first look there is no interval worth scaling (the exact paired one does not exist yet):
  // reaching that look is the estimate.
  if (look === null) return { ...verdict, look, epochs_needed_per_arm: next.n - n };
  // What the data so far would need at the next look's confidence, scaled to the later looks.
  const probe = judgeComparison([...baseline, ...candidate], at(next, Math.min(c.min_epochs, n)));
  const needed = probe.verdict === 'INSUFFICIENT' ? (probe.epochs_needed_per_arm ?? 1) : 0;
  const settling = settlingLook(later, n + needed);
  const more = settling === null ? Math.max(needed, (later.at(-1) as Look).n - n) : settling.n - n;
  return { ...verdict, look, epochs_needed_per_arm: more };
}
