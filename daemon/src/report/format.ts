/** Number formatting for the human-readable report. Missing values render as "–". */
import type { FieldUnit } from '../domain/epoch-fields.js';
import { formatBytes, formatDuration } from '../plan/index.js';

export const MISSING = '–';

export function fmtRate(x: number | null): string {
  return x === null ? MISSING : Math.round(x).toLocaleString('en-US');
}

/** A ratio as a percentage (0.0123 → "1.23 %"). */
export function fmtRatioPct(x: number | null, digits = 2): string {
  return x === null ? MISSING : `${(x * 100).toFixed(digits)} %`;
}

/** A value already in percent, signed ("+0.40 %"). */
export function fmtPct(x: number | null, digits = 2): string {
  return x === null ? MISSING : `${x >= 0 ? '+' : ''}${x.toFixed(digits)} %`;
}

export function fmtBytes(x: number | null): string {
  return x === null ? MISSING : formatBytes(x);
}

export function fmtBytesPerHour(x: number | null): string {
  if (x === null) return MISSING;
  return `${x < 0 ? '-' : '+'}${formatBytes(Math.abs(Math.round(x)))}/h`;
}

/** Small rates such as syscalls per op in scientific notation ("1.20e-6"). */
export function fmtSci(x: number | null): string {
  if (x === null) return MISSING;
  if (x === 0) return '0';
  return x.toExponential(2).replace('e+', 'e');
}

export function fmtInt(x: number | null): string {
  return x === null ? MISSING : String(x);
}

export function fmtMs(x: number | null): string {
  return x === null ? MISSING : formatDuration(x);
}

/** Escapes a value for a markdown table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** An epoch field's value formatted by its unit (domain/epoch-fields.ts). */
export function fmtField(unit: FieldUnit, x: number | null): string {
  switch (unit) {
    case 'ops/s':
      return fmtRate(x);
    case 'ratio':
      return fmtRatioPct(x);
    case 'percent':
      return fmtPct(x);
    case 'bytes':
      return fmtBytes(x);
    case 'bytes/h':
      return fmtBytesPerHour(x);
    case 'per op':
      return fmtSci(x);
    case 'ms':
      return fmtMs(x);
    default:
      return fmtInt(x);
  }
}
