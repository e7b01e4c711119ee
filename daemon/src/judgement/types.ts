/** Shapes of judgement results, as served by REST and printed by the CLI (JSON-safe: no Infinity/NaN). */

export const VERDICTS = ['GO', 'NEUTRAL', 'NO-GO', 'INSUFFICIENT'] as const;
export type VerdictValue = (typeof VERDICTS)[number];

export interface Reason {
  /** The criterion key (see criteria.ts) or guardrail name (`guard.crash`, `guard.leak`, ...) this is about. */
  criterion: string;
  /** `fail`: it argues against the candidate; `pass`: it is met; `undecided`: the interval straddles it. */
  status: 'pass' | 'fail' | 'undecided' | 'info';
  /** True for the reason(s) that decided the verdict. */
  decisive: boolean;
  message: string;
  value?: number | null;
  low?: number | null;
  high?: number | null;
  threshold?: number | null;
  p_value?: number | null;
}

/** JSON cannot carry NaN or ±Infinity: they become null. */
export function jsonNumber(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Compact number for messages: 4 significant digits, exponent for tiny rates. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'n/a';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function pct(ratio: number | null | undefined, digits = 3): string {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return 'n/a';
  return `${Number((ratio * 100).toPrecision(digits))} %`;
}

export function signedPct(ratio: number | null | undefined): string {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return 'n/a';
  const v = (ratio - 1) * 100;
  return `${v >= 0 ? '+' : '−'}${Number(Math.abs(v).toPrecision(3))} %`;
}

export function bytes(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1024 ** 3) return `${fmt(v / 1024 ** 3, 3)} GiB`;
  if (a >= 1024 ** 2) return `${fmt(v / 1024 ** 2, 3)} MiB`;
  if (a >= 1024) return `${fmt(v / 1024, 3)} KiB`;
  return `${fmt(v, 3)} B`;
}
