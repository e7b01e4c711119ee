/** Plain text tables for the terminal (numbers are formatted by domain/format.ts before they get here). */
import { MISSING } from '../domain/format.js';

/** A number with its unit ("1.23 M", "−0.40 %", "1.25e-4"), or the missing marker: such cells are right-aligned. */
const NUMERIC_CELL = /^[-+−]?[\d.,]+(e[-+]?\d+)?(\s*[a-zA-Z%/]+)?$/;

/** A plain text table, columns padded; numeric cells right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string): boolean => s === MISSING || NUMERIC_CELL.test(s);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
