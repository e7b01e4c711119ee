/** The table `allocsoak run` prints at the end: one row per variant of the campaign. */
import { bytes, MISSING, percent, rate, signedPercent, significant } from '../domain/format.js';
import type { EpochSummary } from '../domain/types.js';
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
