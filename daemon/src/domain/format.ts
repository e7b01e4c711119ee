/**
 * Numbers as people read them, with their units: the one formatting module of the CLI, the report, the
 * judgement's messages and the web page. The page loads this file as it is compiled (no Node imports, no
 * DOM), so everything here is pure.
 *
 * Every function takes what a field may hold (a number, null, undefined, NaN or ±Infinity) and shows
 * MISSING for anything that is not a finite number.
 */
import type { FieldUnit } from './epoch-fields.js';

/** The one marker for a missing value. */
export const MISSING = '–';

/** Signed values use the minus sign (U+2212), not a hyphen, so that columns of signed numbers line up. */
const MINUS = '−';

export const MIB = 1024 * 1024;

/** True for a finite number: what every formatter here shows as a number rather than MISSING. */
export function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * `digits` significant digits without trailing zeros or digit grouping ("0.0523", "1235", "2"); below 0.001 in
 * exponent form with three significant digits ("1.25e-4"), as rates per op and p-values are.
 */
export function significant(v: number | null | undefined, digits = 3): string {
  if (!isFiniteNumber(v)) return MISSING;
  if (v === 0) return '0';
  if (Math.abs(v) < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

/** A count, rounded to a whole number, with thousands separators ("1,100,000"). */
export function count(v: number | null | undefined): string {
  return isFiniteNumber(v) ? Math.round(v).toLocaleString('en-US') : MISSING;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export interface BytesOptions {
  /**
   * Significant digits of the value in its unit ("7.63 MiB"). Default: one decimal in KiB and above
   * ("7.6 MiB"), whole bytes below ("512 B"), as the tables show them.
   */
  significant?: number;
}

/** Bytes in binary units, the largest in which the value is at least 1: "512 B", "7.6 MiB", "4.0 GiB". */
export function bytes(v: number | null | undefined, opts: BytesOptions = {}): string {
  if (!isFiniteNumber(v)) return MISSING;
  let scaled = v;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  const digits = opts.significant;
  const number = digits !== undefined ? significant(scaled, digits) : unit === 0 ? String(Math.round(scaled)) : scaled.toFixed(1);
  return `${number} ${BYTE_UNITS[unit]}`;
}

/** A signed growth rate of memory: "+27.5 MiB/h", "−1.2 KiB/h", "+0 B/h". */
export function bytesPerHour(v: number | null | undefined, opts: BytesOptions = {}): string {
  if (!isFiniteNumber(v)) return MISSING;
  return `${v < 0 ? MINUS : '+'}${bytes(Math.abs(v), opts)}/h`;
}

/** The digits of a percentage: `decimals` fixed ("12.86"), else three significant digits ("12.9"). */
function percentDigits(pct: number, decimals: number | undefined): string {
  return decimals !== undefined ? pct.toFixed(decimals) : significant(pct);
}

/** A ratio as a percentage: 0.1286 → "12.9 %", or with `decimals` 2, "12.86 %". */
export function percent(ratio: number | null | undefined, decimals?: number): string {
  if (!isFiniteNumber(ratio)) return MISSING;
  return `${percentDigits(ratio * 100, decimals)} %`;
}

/** A value that is already a percentage (a drift), with its sign: 0.4 → "+0.4 %", −1.5 → "−1.5 %", 0 → "+0 %". */
export function signedPercent(pct: number | null | undefined, decimals?: number): string {
  if (!isFiniteNumber(pct)) return MISSING;
  return `${pct < 0 ? MINUS : '+'}${percentDigits(Math.abs(pct), decimals)} %`;
}

/** How far a ratio is from 1, as a signed percentage: 0.95 → "−5 %", 1.123 → "+12.3 %". */
export function ratioChange(ratio: number | null | undefined): string {
  return isFiniteNumber(ratio) ? signedPercent((ratio - 1) * 100) : MISSING;
}

/**
 * A ratio's change with its interval, the bounds in the ratio's unit without repeating it: "−4.8 % [−5.3, −4.2]";
 * just the change when the interval is missing (either bound not a finite number).
 */
export function ratioChangeWithInterval(
  ratio: number | null | undefined,
  low: number | null | undefined,
  high: number | null | undefined,
): string {
  if (!isFiniteNumber(ratio)) return MISSING;
  if (!isFiniteNumber(low) || !isFiniteNumber(high)) return ratioChange(ratio);
  const bound = (r: number): string => ratioChange(r).replace(/ %$/, '');
  return `${ratioChange(ratio)} [${bound(low)}, ${bound(high)}]`;
}

/** A rate such as ops/s, scaled: "950", "12.3 k", "1.23 M", "2.1 G" (append the unit). */
export function rate(v: number | null | undefined): string {
  if (!isFiniteNumber(v)) return MISSING;
  const a = Math.abs(v);
  if (a >= 1e9) return `${significant(v / 1e9)} G`;
  if (a >= 1e6) return `${significant(v / 1e6)} M`;
  if (a >= 1e3) return `${significant(v / 1e3)} k`;
  return significant(v);
}

/** Operations per second: "1.23 M ops/s". */
export function opsPerSec(v: number | null | undefined): string {
  return isFiniteNumber(v) ? `${rate(v)} ops/s` : MISSING;
}

/** A length of time for people: "2.5 s", "42 s", "3 min 5 s", "2 h 5 min". */
export function duration(ms: number | null | undefined): string {
  if (!isFiniteNumber(ms)) return MISSING;
  const s = ms / 1000;
  if (s < 120) return `${significant(s, Math.abs(s) < 10 ? 2 : 3)} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Milliseconds between two ISO timestamps; null when either is missing or unreadable. */
export function spanMs(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The local wall-clock time of an ISO timestamp ("22:05:09", or "22:05" for an estimate), with the date when
 * it is not `today`'s.
 */
export function clockTime(iso: string | null | undefined, today: Date = new Date(), opts: { seconds?: boolean } = {}): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString('en-GB', {
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    ...(opts.seconds === false ? {} : { second: '2-digit' }),
  });
  return today.toDateString() === d.toDateString() ? time : `${d.toLocaleDateString('en-CA')} ${time}`;
}

/**
 * How an epoch field is written: 'compact' for the page's tables (three significant digits, rates scaled,
 * times as the local clock), 'fixed' for the report's (whole rates, percentages with two decimals, sizes with
 * one, times as stored), where a column is read digit by digit.
 */
export type FieldStyle = 'compact' | 'fixed';

/**
 * How far a comparison is from settling, as the page, the CLI and the round's log line say it:
 * "≈ 3 more duet epochs, about 01:40", or with the duration when no clock time is known; null when settled.
 */
export function settleText(
  s: { more: number | null; seconds?: number | null; at?: string | null; unit?: string },
  today: Date = new Date(),
): string | null {
  if (s.more === null) return null;
  const when =
    s.at !== null && s.at !== undefined
      ? `, about ${clockTime(s.at, today, { seconds: false })}`
      : s.seconds !== null && s.seconds !== undefined
        ? ` (≈ ${duration(s.seconds * 1000)})`
        : '';
  const unit = s.unit ?? 'epochs per arm';
  return `≈ ${s.more} more ${s.more === 1 ? unit.replace('epochs', 'epoch') : unit}${when}`;
}

/** How many digits of a git commit are shown: enough to be unique in any repository these builds come from. */
export const SHORT_COMMIT_DIGITS = 10;

/** A git commit as people read it: its first SHORT_COMMIT_DIGITS digits ("d9e8f7a6b5"). */
export function shortCommit(sha: string): string {
  return sha.slice(0, SHORT_COMMIT_DIGITS);
}

/** A confidence level as a percentage: "95 %", "97.5 %", "99.92 %". */
export function confidenceLevel(confidence: number): string {
  return `${Number((confidence * 100).toPrecision(4))} %`;
}

/** An epoch field's value formatted by its unit (domain/epoch-fields.ts): the one place a unit picks its format. */
/** Epochs an arm of a verdict took from one campaign (the verdict's `campaigns`). */
export interface CampaignShareLike {
  readonly campaign: number;
  readonly baseline: number;
  readonly candidate: number;
}

/**
 * Where a verdict's epochs came from: "campaign 5", or, when the series accumulated across campaigns,
 * "campaigns 3 (4 + 4), 5 (2 + 2)" (baseline + candidate epochs of each).
 */
export function campaignsText(campaigns: readonly CampaignShareLike[]): string {
  const [only] = campaigns;
  if (only === undefined) return 'no campaign';
  if (campaigns.length === 1) return `campaign ${only.campaign}`;
  return `campaigns ${campaigns.map((c) => `${c.campaign} (${c.baseline} + ${c.candidate})`).join(', ')}`;
}

export function formatField(unit: FieldUnit, v: number | string | null | undefined, style: FieldStyle): string {
  const compact = style === 'compact';
  if (typeof v === 'string') return unit === 'time' && compact ? clockTime(v) : v;
  switch (unit) {
    case 'ops/s':
      return compact ? opsPerSec(v) : count(v);
    case 'ratio':
      return compact ? percent(v) : percent(v, 2);
    case 'percent':
      return compact ? signedPercent(v) : signedPercent(v, 2);
    case 'bytes':
      return bytes(v, compact ? { significant: 3 } : {});
    case 'bytes/h':
      return bytesPerHour(v, compact ? { significant: 3 } : {});
    case 'ms':
      return duration(v);
    case 'count':
      return count(v);
    case 'per op':
    case 'load':
      return significant(v);
    case 'id':
    case 'time':
    case 'text':
    case 'json':
    case 'sha256':
      return isFiniteNumber(v) ? String(v) : MISSING;
  }
}
