/**
 * What the page says about when its verdicts were judged. The daemon answers compare and drift at once with
 * its last judgement while it judges again after an epoch started or ended (`judged.fresh: false`,
 * verdicts/reader.ts); the page then says so, with the time that judgement read the database, and asks again
 * soon rather than show the older verdict until the next epoch ends (an hour, at the default epoch).
 */
import type { CompareResponse } from './api.js';
import { clockTime } from '../../domain/format.js';

export type Judged = CompareResponse['judged'];

/** How soon the page asks again for verdicts that were being judged again (ms). */
export const STALE_RETRY_MS = 3_000;

export interface JudgedNote {
  text: string;
  /** Some answer was a judgement from before the latest epoch start or end: ask again after STALE_RETRY_MS. */
  stale: boolean;
}

/**
 * The note under the verdicts: the time of the oldest judgement shown (the page shows several answers, each
 * judged when it was last asked for), and whether any of them is being judged again.
 */
export function judgedNote(judged: readonly Judged[], finishedEpochs: number, everySeconds: number): JudgedNote {
  if (judged.length === 0) return { text: '', stale: false };
  const oldest = judged.reduce((a, b) => (Date.parse(b.at) < Date.parse(a.at) ? b : a));
  const stale = judged.some((j) => !j.fresh);
  const text = stale
    ? `Judged at ${clockTime(oldest.at)}, before the latest epoch started or ended: the daemon is judging again; this page asks again in ${STALE_RETRY_MS / 1000} s.`
    : `Judged at ${clockTime(oldest.at)} on ${finishedEpochs} finished epoch(s); refreshed as epochs end, at most every ${everySeconds} s.`;
  return { text, stale };
}

/** The `judged` of every answer that came (not the ones that could not be had). */
export function judgedOf(answers: Iterable<{ judged: Judged } | string | undefined>): Judged[] {
  const out: Judged[] = [];
  for (const a of answers) if (typeof a === 'object') out.push(a.judged);
  return out;
}
