/** The table `allocsoak run` prints at the end: one row per variant of the campaign. */
import { bytes, MISSING, percent, rate, signedPercent, significant } from '../domain/format.js';
import type { EpochSummary } from '../domain/types.js';
import { reasonLine, stderrExcerpt } from '../report/index.js';
import type { EpochRow } from '../storage/index.js';
import type { CompareResult } from '../verdicts/index.js';
import { mean, median } from '../stats/descriptive.js';
import { textTable } from './text-table.js';

function values(epochs: readonly EpochSummary[], pick: (e: EpochSummary) => number | null): number[] {
  return epochs.map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
}

/**
 * Per variant (plan order): epochs completed / run, other outcomes, mean of the epochs' mean
 * throughput, median CV, highest RSS peak, median drift and syscalls per op (completed epochs only).
 */
export function summaryTable(variants: readonly string[], epochs: readonly EpochSummary[]): string {
  const rows = variants.map((name) => {
    const mine = epochs.filter((e) => e.variant === name);
    const done = mine.filter((e) => e.outcome === 'completed');
    const others = new Map<string, number>();
    for (const e of mine) if (e.outcome !== 'completed') others.set(e.outcome, (others.get(e.outcome) ?? 0) + 1);
    const peak = values(done, (e) => e.rss_peak_bytes);
    return [
      name,
      `${done.length}/${mine.length}`,
      rate(mean(values(done, (e) => e.throughput_mean))),
      percent(median(values(done, (e) => e.throughput_cv)), 2),
      bytes(peak.length > 0 ? Math.max(...peak) : null),
      signedPercent(median(values(done, (e) => e.rss_drift_pct)), 2),
      significant(median(values(done, (e) => e.syscalls_per_op))),
      [...others].map(([o, n]) => `${n} ${o}`).join(', ') || MISSING,
    ];
  });
  return textTable(['variant', 'completed', 'ops/s', 'CV', 'RSS peak', 'drift', 'syscalls/op', 'other outcomes'], rows);
}

/** Epochs that did not complete, one line each with the reason, and the last line the workload wrote on stderr. */
export function failedEpochsText(epochs: readonly EpochRow[]): string {
  const bad = epochs.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running');
  if (bad.length === 0) return '';
  const lines = [`epochs that did not complete (${bad.length}):`];
  for (const e of bad) {
    lines.push(`  epoch ${e.id}  ${e.variant}  round ${e.round}  ${e.outcome}: ${e.outcome_reason ?? e.signal ?? 'no reason recorded'}`);
    for (const l of stderrExcerpt(e.stderr_tail, 1)) lines.push(`    stderr: ${l}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan's comparisons with their verdicts and what decided each. */
export function verdictsText(results: readonly CompareResult[]): string {
  if (results.length === 0) return '';
  const lines = ['verdicts:'];
  for (const r of results) {
    const decisive = r.reasons.filter((x) => x.decisive);
    lines.push(`  ${r.baseline} → ${r.candidate} (goal ${r.goal}): ${r.verdict}`);
    for (const x of decisive.length > 0 ? decisive : r.reasons.slice(0, 1)) lines.push(`    ${reasonLine(x)}`);
  }
  lines.push('  (allocsoak compare --db FILE --baseline A --candidate B shows every reason)');
  return `${lines.join('\n')}\n`;
}
