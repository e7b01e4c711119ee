/** Shapes of judgement results, as served by REST and printed by the CLI (JSON-safe: no Infinity/NaN). */
import { bytes as formatBytes, significant } from '../domain/format.js';

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

/** Numbers in the judgement's messages: four significant digits ("1.235", "0.9871", "1.25e-4"). */
export function fmt(v: number | null | undefined): string {
  return significant(v, 4);
}

/** Byte amounts in the judgement's messages: three significant digits in their unit ("7.63 MiB"). */
export function bytes(v: number | null | undefined): string {
  return formatBytes(v, { significant: 3 });
}
