/** The table `allocsoak run` prints at the end: one row per variant of the campaign. */
import { aggregate, EPOCH_FIELDS, PER_VARIANT_COLUMNS } from '../domain/epoch-fields.js';
import { formatField, MISSING } from '../domain/format.js';
import { BASIS_LABEL, summarizeThroughput, throughputHeaders } from '../domain/measures.js';
import { reasonLine, stderrExcerpt } from '../report/index.js';
import type { EpochRow } from '../storage/index.js';
import type { CompareResult } from '../verdicts/index.js';
import { textTable } from './text-table.js';

/**
 * Per variant (plan order): epochs completed / run, the throughput on the basis the verdicts use and on the
 * other (domain/measures.ts, as the report and the page), the registry's per-variant fields folded as the
 * report and the page fold them, and the other outcomes; then which variant is fastest on that basis.
 */
export function summaryTable(variants: readonly string[], epochs: readonly EpochRow[]): string {
  const done = (name: string): EpochRow[] => epochs.filter((e) => e.variant === name && e.outcome === 'completed');
  const tput = summarizeThroughput(new Map(variants.map((v) => [v, done(v)] as const).filter(([, es]) => es.length > 0)));
  const heads = throughputHeaders(tput);
  const rows = variants.map((name) => {
    const mine = epochs.filter((e) => e.variant === name);
    const others = new Map<string, number>();
    for (const e of mine) if (e.outcome !== 'completed') others.set(e.outcome, (others.get(e.outcome) ?? 0) + 1);
    const t = tput.variants.get(name);
    return [
      name,
      `${done(name).length}/${mine.length}`,
      formatField('ops/s', t?.lead ?? null, 'compact'),
      formatField('ops/s', t?.other ?? null, 'compact'),
      ...PER_VARIANT_COLUMNS.map((f) =>
        formatField(
          EPOCH_FIELDS[f].unit,
          aggregate(
            EPOCH_FIELDS[f].perVariant.aggregate,
            done(name).map((e) => e[f]),
          ),
          'compact',
        ),
      ),
      [...others].map(([o, n]) => `${n} ${o}`).join(', ') || MISSING,
    ];
  });
  const table = textTable(
    [
      'variant',
      'completed',
      heads.lead,
      heads.other,
      ...PER_VARIANT_COLUMNS.map((f) => `${EPOCH_FIELDS[f].perVariant.header} (${EPOCH_FIELDS[f].perVariant.aggregate})`),
      'other outcomes',
    ],
    rows,
  );
  const fastest = tput.fastestFirst.length < 2 ? '' : `fastest first (${BASIS_LABEL[tput.basis]}): ${tput.fastestFirst.join(', ')}\n`;
  return `${table}${fastest}`;
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
