/** Numbers as people read them, with their units. Missing values show as an en dash. */
import type { FieldUnit } from '../../domain/epoch-fields.js';

export const MISSING = '–';

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Three significant digits, without a trailing ".0". */
export function sig(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e15) return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
  return v.toExponential(digits - 1);
}

export const MIB = 1024 * 1024;

export function mib(bytes: number | null | undefined): string {
  return finite(bytes) ? `${sig(bytes / MIB)} MiB` : MISSING;
}

export function opsPerSec(v: number | null | undefined): string {
  if (!finite(v)) return MISSING;
  if (Math.abs(v) >= 1e6) return `${sig(v / 1e6)} M ops/s`;
  if (Math.abs(v) >= 1e3) return `${sig(v / 1e3)} k ops/s`;
  return `${sig(v)} ops/s`;
}

/** A ratio (0.02) as a percentage ("2 %"). */
export function ratioPct(v: number | null | undefined): string {
  return finite(v) ? `${sig(v * 100)} %` : MISSING;
}

/** A value already in percent (rss_drift_pct), with its sign. */
export function signedPct(v: number | null | undefined): string {
  if (!finite(v)) return MISSING;
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${sig(Math.abs(v))} %`;
}

export function count(v: number | null | undefined): string {
  return finite(v) ? Math.round(v).toLocaleString('en-US') : MISSING;
}

export function plain(v: number | null | undefined): string {
  return finite(v) ? sig(v) : MISSING;
}

export function seconds(ms: number | null | undefined): string {
  if (!finite(ms)) return MISSING;
  const s = ms / 1000;
  if (s < 120) return `${sig(s, s < 10 ? 2 : 3)} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Local wall-clock time of an ISO timestamp, with the date when it is not today. */
export function when(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  const today = new Date().toDateString() === d.toDateString();
  return today ? time : `${d.toLocaleDateString('en-CA')} ${time}`;
}

/** Duration between two ISO timestamps (null when one is missing). */
export function spanMs(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/** A field's value formatted by its unit (domain/epoch-fields.ts). */
export function formatField(unit: FieldUnit, v: number | string | null | undefined): string {
  if (typeof v === 'string') return unit === 'time' ? when(v) : v;
  switch (unit) {
    case 'id':
      return finite(v) ? String(v) : MISSING;
    case 'count':
      return count(v);
    case 'ms':
      return seconds(v);
    case 'ops/s':
      return opsPerSec(v);
    case 'ratio':
      return ratioPct(v);
    case 'percent':
      return signedPct(v);
    case 'bytes':
      return mib(v);
    case 'bytes/h':
      return finite(v) ? `${v > 0 ? '+' : v < 0 ? '−' : ''}${mib(Math.abs(v))}/h` : MISSING;
    default:
      return plain(v);
  }
}
