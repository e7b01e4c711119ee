/** The readable form of a variant's history across builds (`allocsoak history` without --json). */
import { bytes, confidenceLevel, MISSING, rate, signedPercent, shortCommit, significant } from '../domain/format.js';
import { BASIS_LABEL } from '../domain/measures.js';
import type { BuildMeasure, HistoryBuild, HistoryResult } from '../verdicts/index.js';

function measure(m: BuildMeasure, fmt: (v: number | null) => string): string {
  if (m.median === null) return MISSING;
  const iv = m.low === null || m.high === null ? '' : ` [${fmt(m.low)}, ${fmt(m.high)}]`;
  return `${fmt(m.median)}${iv}`;
}

/** "v2 (commit 1a2b3c4d5e, clean; lib 3fa2…)": the name, then what it does not already say. */
function identity(b: HistoryBuild): string {
  const parts: string[] = [];
  if (b.commit !== null) {
    const tree = b.dirty === true ? 'dirty' : b.dirty === false ? 'clean' : 'tree state unknown';
    parts.push(b.label !== null ? `commit ${shortCommit(b.commit)}, ${tree}` : `${tree} work tree`);
  }
  if (b.library_sha256 !== null && (b.label !== null || b.commit !== null)) parts.push(`lib ${b.library_sha256.slice(0, 12)}`);
  return parts.length === 0 ? b.name : `${b.name} (${parts.join('; ')})`;
}

export function historyText(h: HistoryResult): string {
  const lines: string[] = [];
  const n = h.builds.length;
  lines.push(
    `${h.variant}: ${n} build${n === 1 ? '' : 's'}, oldest first; medians over completed epochs with ${confidenceLevel(h.confidence)} intervals; ` +
      `throughput ${BASIS_LABEL[h.throughput_basis]}`,
  );
  lines.push(
    "Each build is judged against the one before with the A/B verdict rules (goal speed; memory by the memory goal's equivalence band), " +
      'unpaired: builds never run side by side.',
  );
  for (const b of h.builds) {
    const e = b.epochs;
    const counts = `${e.completed} completed${e.failed > 0 ? `, ${e.failed} failed` : ''}${e.ignored > 0 ? `, ${e.ignored} other` : ''}`;
    lines.push('');
    lines.push(
      `${b.change?.marked === true ? '◆' : ' '} build ${b.index}: ${identity(b)} — epochs ${counts}; campaigns ${b.campaigns.join(', ')}`,
    );
    lines.push(`    throughput    ${measure(b.throughput, (v) => `${rate(v)} ops`)}`);
    lines.push(`    held RSS      ${measure(b.rss_held_bytes, (v) => bytes(v))}`);
    lines.push(`    peak RSS      ${measure(b.rss_peak_bytes, (v) => bytes(v))}`);
    lines.push(`    drift         ${measure(b.drift_pct, (v) => signedPercent(v, 2))} per epoch`);
    lines.push(`    syscalls/op   ${measure(b.syscalls_per_op, (v) => significant(v))}`);
    if (b.change !== null) lines.push(`    vs build ${b.change.against}: ${b.change.summary}`);
  }
  lines.push('');
  lines.push(
    h.change_points.length === 0
      ? 'No change point marked.'
      : `Change points (◆) at build${h.change_points.length === 1 ? '' : 's'} ${h.change_points.join(', ')}.`,
  );
  return `${lines.join('\n')}\n`;
}
