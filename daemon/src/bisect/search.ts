/**
 * The bisect search, as a pure function of what is known: the range's commits (oldest first, the good
 * commit at index 0, the bad revision last) and the outcome of every commit tested so far. It says which
 * commit to test next, or how the search ends. No I/O: `run.ts` feeds it the stored steps, so a resumed
 * run continues exactly where it stopped.
 *
 * Rules (as `git bisect`, with two kinds of "no answer"):
 * - index 0 is good by definition (the known-good build every step is judged against);
 * - the bad revision is tested first: unless it is bad, there is nothing to search ("no change");
 * - the first bad commit is the lowest index tested bad; the last good is the highest index below it tested
 *   good; the suspects are the commits between them;
 * - `skip` (the build failed) and `unclear` (the verdict did not settle) say nothing about a commit: it
 *   stays a suspect, and the next probe is the untested suspect nearest the middle (like `git bisect skip`);
 * - the culprit is the first bad commit once it directly follows the last good one; when only skipped or
 *   unclear commits lie between them, the search is inconclusive and says that range.
 */
import type { BisectOutcome } from '../domain/types.js';

/** What the search does next. */
export type SearchState =
  /** Test this commit: the bad revision first (`endpoint`), then probes inside the range. */
  | { kind: 'test'; index: number; role: 'endpoint' | 'probe' }
  /** The bad revision was not shown to be bad (its outcome good or unclear): nothing to search. */
  | { kind: 'no_change'; endpoint: 'good' | 'unclear' }
  /** The bad revision's build failed: it cannot be judged. */
  | { kind: 'untestable'; index: number }
  /** The first bad commit: it directly follows the last good one. */
  | { kind: 'found'; culprit: number; lastGood: number }
  /** Only skipped or unclear commits between the last good and the first bad one: one of them, or the first bad one, is the culprit. */
  | { kind: 'inconclusive'; lastGood: number; firstBad: number; between: number[] };

/** The outcome known for each tested index (the latest when an index was tested more than once). */
export type Outcomes = ReadonlyMap<number, BisectOutcome>;

/** The bounds of the search: the last good index, the first bad one (count when none is bad yet). */
function bounds(count: number, outcomes: Outcomes): { lastGood: number; firstBad: number } {
  let firstBad = count;
  for (const [i, o] of outcomes) if (o === 'bad' && i > 0 && i < firstBad) firstBad = i;
  let lastGood = 0;
  for (const [i, o] of outcomes) if (o === 'good' && i < firstBad && i > lastGood) lastGood = i;
  return { lastGood, firstBad };
}

/** The untested indices strictly between lastGood and firstBad. */
function untested(lastGood: number, firstBad: number, outcomes: Outcomes): number[] {
  const out: number[] = [];
  for (let i = lastGood + 1; i < firstBad; i++) if (!outcomes.has(i)) out.push(i);
  return out;
}

/**
 * The next step of the search over `count` commits (index 0 good, count − 1 the bad revision), given the
 * outcomes so far. Throws on fewer than two commits.
 */
export function nextStep(count: number, outcomes: Outcomes): SearchState {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`a bisect range needs at least two commits, got ${count}`);
  const end = count - 1;
  const endpoint = outcomes.get(end);
  if (endpoint === undefined) return { kind: 'test', index: end, role: 'endpoint' };
  if (endpoint === 'skip') return { kind: 'untestable', index: end };
  if (endpoint !== 'bad') return { kind: 'no_change', endpoint };
  const { lastGood, firstBad } = bounds(count, outcomes);
  const open = untested(lastGood, firstBad, outcomes);
  if (open.length === 0) {
    if (firstBad === lastGood + 1) return { kind: 'found', culprit: firstBad, lastGood };
    const between: number[] = [];
    for (let i = lastGood + 1; i < firstBad; i++) between.push(i);
    return { kind: 'inconclusive', lastGood, firstBad, between };
  }
  // The middle of the suspects, or, when it was skipped or unclear, the untested suspect nearest to it
  // (the lower one on a tie).
  const mid = Math.floor((lastGood + firstBad) / 2);
  let best = open[0] as number;
  for (const i of open) if (Math.abs(i - mid) < Math.abs(best - mid)) best = i;
  return { kind: 'test', index: best, role: 'probe' };
}

/** How far the search is: commits still suspect (the first bad one included), and about how many steps are left. */
export function progress(count: number, outcomes: Outcomes): { suspects: number; stepsLeft: number } {
  if (!outcomes.has(count - 1)) {
    // The endpoint, a binary search over the commits between, and the confirmation.
    return { suspects: count - 1, stepsLeft: 1 + Math.ceil(Math.log2(count - 1)) + 1 };
  }
  const state = nextStep(count, outcomes);
  if (state.kind !== 'test') {
    return { suspects: state.kind === 'found' ? 1 : 0, stepsLeft: state.kind === 'found' ? 1 : 0 };
  }
  const { lastGood, firstBad } = bounds(count, outcomes);
  const open = untested(lastGood, firstBad, outcomes).length;
  return { suspects: firstBad - lastGood, stepsLeft: Math.ceil(Math.log2(open + 1)) + 1 };
}

/** The outcome per index from steps in the order they ran (a later step of a commit replaces an earlier one). */
export function outcomesOf(
  indexOf: (commit: string) => number | undefined,
  steps: readonly { commit_sha: string; outcome: BisectOutcome }[],
): Map<number, BisectOutcome> {
  const out = new Map<number, BisectOutcome>();
  for (const s of steps) {
    const i = indexOf(s.commit_sha);
    if (i !== undefined) out.set(i, s.outcome);
  }
  return out;
}
