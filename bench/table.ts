/** Plain-text rendering of the benchmark's summary and targets (also pasted into docs/performance.md,
 * so it is Markdown-table compatible). */
import { bytes, MISSING } from '../daemon/src/domain/format.js';
import { XDRAIN_CHECK_MS, type AllocatorSummary, type Spread, type ThroughputSummary } from './summary.js';
import type { TargetResult } from './targets.js';

function mops(s: Spread | null): string {
  return s ? `${(s.median / 1e6).toFixed(1)} M` : MISSING;
}

function ratio(s: Spread | null): string {
  return s ? `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : MISSING;
}

/** The probes report memory in KiB, as /proc does. */
function kib(kb: number | null | undefined): string {
  return kb === null || kb === undefined ? MISSING : bytes(kb * 1024);
}

function perOp(s: Spread | null): string {
  return s ? s.median.toExponential(1) : MISSING;
}

export function renderTable(summaries: readonly AllocatorSummary[]): string {
  const header = [
    'allocator',
    'random_mixed ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    'xthread ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    'peak RSS',
    'after drain: RSS−LazyFree @1s (RSS)',
    'syscalls/op (burst soak)',
  ];
  const rows = summaries.map((s) => [
    s.allocator + (s.failures > 0 ? ` (${s.failures} failed runs)` : ''),
    mops(s.randomMixed.opsPerSec),
    ratio(s.randomMixed.ratioToMimalloc),
    s.randomMixed.cpuRatioToMimalloc ? s.randomMixed.cpuRatioToMimalloc.median.toFixed(2) : MISSING,
    mops(s.xthread.opsPerSec),
    ratio(s.xthread.ratioToMimalloc),
    s.xthread.cpuRatioToMimalloc ? s.xthread.cpuRatioToMimalloc.median.toFixed(2) : MISSING,
    kib(s.randomMixed.peakRssKb?.median),
    s.drain.heldKbAt1s ? `${kib(s.drain.heldKbAt1s.median)} (${kib(s.drain.rssKbAt1s?.median)})` : MISSING,
    perOp(s.soak.syscallsPerOp),
  ]);
  return markdown(header, rows);
}

const cpuRatio = (t: ThroughputSummary): string => (t.cpuRatioToMimalloc ? t.cpuRatioToMimalloc.median.toFixed(2) : MISSING);

/** Throughput beyond tiny blocks: blocks above 16 KiB, their cross-thread frees, and big buffers. */
export function renderMediumTable(summaries: readonly AllocatorSummary[]): string {
  const header = [
    'allocator',
    'medium ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    '× tcmalloc',
    'xthread 20 KB ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    '5–25 MiB buffers ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    'peak RSS (medium)',
  ];
  const rows = summaries.map((s) => [
    s.allocator + (s.failures > 0 ? ` (${s.failures} failed runs)` : ''),
    mops(s.medium.opsPerSec),
    ratio(s.medium.ratioToMimalloc),
    cpuRatio(s.medium),
    s.medium.ratioToTcmalloc ? s.medium.ratioToTcmalloc.median.toFixed(2) : MISSING,
    mops(s.xthreadMedium.opsPerSec),
    ratio(s.xthreadMedium.ratioToMimalloc),
    cpuRatio(s.xthreadMedium),
    s.largebuf.opsPerSec ? `${(s.largebuf.opsPerSec.median / 1e3).toFixed(2)} k` : MISSING,
    ratio(s.largebuf.ratioToMimalloc),
    cpuRatio(s.largebuf),
    kib(s.medium.peakRssKb?.median),
  ]);
  return markdown(header, rows);
}

/** alloc-test's shape (a large working set of 5–1024 B blocks), one thread and two; '' when neither ran. */
export function renderAlloctestTable(summaries: readonly AllocatorSummary[]): string {
  if (!summaries.some((s) => s.alloctest.opsPerSec || s.alloctest2.opsPerSec)) return '';
  const header = [
    'allocator',
    'alloctest ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    '2 threads ops/s',
    '× mimalloc (min–max)',
    '× mimalloc per CPU-s',
    'peak RSS (1 thread)',
  ];
  const rows = summaries.map((s) => [
    s.allocator + (s.failures > 0 ? ` (${s.failures} failed runs)` : ''),
    mops(s.alloctest.opsPerSec),
    ratio(s.alloctest.ratioToMimalloc),
    cpuRatio(s.alloctest),
    mops(s.alloctest2.opsPerSec),
    ratio(s.alloctest2.ratioToMimalloc),
    cpuRatio(s.alloctest2),
    kib(s.alloctest.peakRssKb?.median),
  ]);
  return markdown(header, rows);
}

/** The cross-thread drain: RSS − LazyFree after main freed the blocks of two exited threads. */
export function renderXdrainTable(summaries: readonly AllocatorSummary[]): string {
  const points = [...new Set(summaries.flatMap((s) => Object.keys(s.xdrain.heldKbByPoint)))].sort((a, b) => Number(a) - Number(b));
  if (points.length === 0) return '';
  const header = ['allocator', 'peak RSS', ...points.map((p) => `@${Number(p) / 1000} s`), `@${XDRAIN_CHECK_MS / 1000} s / peak`];
  const rows = summaries
    .filter((s) => Object.keys(s.xdrain.heldKbByPoint).length > 0)
    .map((s) => [
      s.allocator,
      kib(s.xdrain.peakRssKb?.median),
      ...points.map((p) => kib(s.xdrain.heldKbByPoint[p])),
      s.xdrain.heldFractionAt2s ? `${(s.xdrain.heldFractionAt2s.median * 100).toFixed(1)} %` : MISSING,
    ]);
  return markdown(header, rows);
}

/** Second table: the drain curve (median RSS − LazyFree at every point) and the drain probe's own peak. */
export function renderDrainTable(summaries: readonly AllocatorSummary[]): string {
  const points = [
    ...new Set(summaries.flatMap((s) => [...Object.keys(s.drain.heldKbByPoint), ...Object.keys(s.drain.idleHeldKbByPoint)])),
  ].sort((a, b) => Number(a) - Number(b));
  if (points.length === 0) return '';
  const header = ['allocator', 'drain peak RSS', 'after the drain', ...points.map((p) => `@${Number(p) / 1000} s`)];
  const rows: string[][] = [];
  for (const s of summaries) {
    if (Object.keys(s.drain.heldKbByPoint).length > 0) {
      rows.push([s.allocator, kib(s.drain.peakRssKb?.median), 'trickle', ...points.map((p) => kib(s.drain.heldKbByPoint[p]))]);
    }
    if (Object.keys(s.drain.idleHeldKbByPoint).length > 0) {
      rows.push([s.allocator, '', 'idle', ...points.map((p) => kib(s.drain.idleHeldKbByPoint[p]))]);
    }
  }
  return markdown(header, rows);
}

export function renderTargets(targets: readonly TargetResult[]): string {
  return markdown(
    ['target', 'verdict', 'measured (median over repetitions)'],
    targets.map((t) => [t.target, t.verdict, t.measured]),
  );
}

function markdown(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
