/**
 * The report's section of warnings: the completed epochs whose launcher, allocator or workload wrote on
 * stderr — a warning (a knob leanmalloc refused, a library ld.so could not preload) does not stop an
 * epoch — with the end of what each wrote. Epochs that ended with the same lines share one block, so a
 * warning printed by every epoch of a night is shown once. (Epochs that did not complete show their
 * stderr with their reason, in the section above it.)
 */
import type { EpochRow } from '../storage/index.js';
import { fencedBlock, stderrExcerpt } from './stderr.js';

/** Lines of stderr shown per block (the store keeps the last 4 KiB of each epoch). */
export const STDERR_SECTION_LINES = 12;
/** Epoch ids listed before "and N more". */
const MAX_IDS = 12;

type StderrEpoch = Pick<EpochRow, 'id' | 'variant' | 'round' | 'outcome' | 'stderr_tail' | 'stderr_lines'>;

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function list(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs.at(-1) as string}`;
}

function idsText(ids: readonly number[]): string {
  const shown = ids.slice(0, MAX_IDS).map(String);
  if (ids.length > MAX_IDS) shown.push(`${ids.length - MAX_IDS} more`);
  return `${ids.length === 1 ? 'Epoch' : 'Epochs'} ${list(shown)}`;
}

function linesText(group: readonly StderrEpoch[]): string {
  const counts = group.map((e) => e.stderr_lines).filter((n): n is number => n !== null);
  if (counts.length === 0) return 'lines not counted (recorded before schema v4)';
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const n = lo === hi ? `${lo} line${lo === 1 ? '' : 's'}` : `${lo}–${hi} lines`;
  return group.length === 1 ? n : `${n} each`;
}

/** The given epochs that wrote on stderr, grouped by the lines they ended with, in order; null when none did. */
export function stderrSectionMarkdown(epochs: readonly StderrEpoch[]): string | null {
  const groups = new Map<string, { lines: string[]; epochs: StderrEpoch[] }>();
  for (const e of epochs) {
    const lines = stderrExcerpt(e.stderr_tail, STDERR_SECTION_LINES);
    if (lines.length === 0) continue;
    const key = lines.join('\n');
    const g = groups.get(key) ?? { lines, epochs: [] };
    g.epochs.push(e);
    groups.set(key, g);
  }
  if (groups.size === 0) return null;
  const out = [
    'Completed epochs whose launcher, allocator or workload wrote on stderr: warnings, which did not stop the epoch. ' +
      `Each block is the end of what an epoch wrote (at most ${STDERR_SECTION_LINES} lines), shown once for the epochs that ended with the same lines.`,
  ];
  for (const g of groups.values()) {
    const variants = distinct(g.epochs.map((e) => e.variant));
    const outcomes = distinct(g.epochs.map((e) => e.outcome));
    const rounds = g.epochs.length === 1 ? `, round ${g.epochs[0]?.round}` : '';
    out.push('');
    out.push(`${idsText(g.epochs.map((e) => e.id))} (${list(variants)}${rounds}, ${list(outcomes)}): ${linesText(g.epochs)}.`);
    out.push('');
    out.push(fencedBlock(g.lines));
  }
  return out.join('\n');
}
