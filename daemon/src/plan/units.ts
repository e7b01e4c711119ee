/** The plan's notation of durations ("250ms", "4s", "60m", "1h", plain seconds) and sizes ("4GiB", "100MB", plain bytes). */

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration into whole milliseconds. A number (or numeric string) is seconds.
 * Returns null for anything else, including negative, zero is allowed (callers decide).
 */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = DURATION_UNITS_MS[unit];
  if (factor === undefined || !Number.isFinite(n)) return null;
  return Math.round(n * factor);
}

/** Formats milliseconds the shortest exact way ("90s", "2m", "1h", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Parses a size into whole bytes ("4GiB", "512MiB", "100MB", 4096). Units are case-insensitive. */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 && Number.isInteger(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*$/.exec(v);
  if (m === null) return null;
  const factor = SIZE_UNITS[(m[2] ?? 'b').toLowerCase()];
  if (factor === undefined) return null;
  const bytes = Number(m[1]) * factor;
  return Number.isFinite(bytes) ? Math.round(bytes) : null;
}
