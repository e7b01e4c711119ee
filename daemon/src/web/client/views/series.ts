/**
 * Per-epoch series across the campaign, one line per variant (its colour everywhere): throughput mean
 * with a band of ± one CV, peak and final RSS, held-memory drift, syscalls per op, lean_decommit, lean_retire.
 * Completed epochs only (a crashed epoch's partial numbers would mislead); x is the epoch's start.
 */
import type { EpochSummary } from '../api.js';
import { Plot, type PlotSpec, type SeriesSpec } from '../charts.js';
import { alignSeries } from '../plot-data.js';
import { colorOf, withAlpha } from '../colors.js';
import { fill, note } from '../dom.js';
import { MIB, rate, significant } from '../../../domain/format.js';
import { judgedDrift, peakRss } from '../../../domain/measures.js';
import { variantLabel } from './common.js';

type Point = [number, number | null];

interface Metric {
  name: string;
  title: string;
  unit: string;
  /** Lines per variant: label suffix, dash, value of an epoch. */
  lines: Array<{ suffix: string; dash?: number[]; value: (e: EpochSummary) => number | null }>;
  /** Throughput only: a band of mean × (1 ± CV). */
  cvBand?: boolean;
  emptyText?: string;
  format: (v: number) => string;
}

/** A leanmalloc counter stored per epoch: its count in each epoch (other allocators have none). */
function counterMetric(field: 'lean_decommit' | 'lean_retire'): Metric {
  return {
    name: field,
    title: `${field} per epoch`,
    unit: 'count',
    lines: [{ suffix: '', value: (e) => e[field] }],
    emptyText: `no data: no variant reported ${field} (leanmalloc does)`,
    format: (v) => significant(v),
  };
}

const METRICS: Metric[] = [
  {
    name: 'throughput',
    title: 'Throughput per wall-clock second, epoch mean with ±CV band',
    unit: 'ops/s',
    lines: [{ suffix: '', value: (e) => e.throughput_mean }],
    cvBand: true,
    format: (v) => rate(v),
  },
  {
    name: 'rss',
    title: 'RSS after warm-up: true peak, VmHWM (solid) and final (dashed)',
    unit: 'MiB',
    lines: [
      { suffix: ' peak', value: (e) => bytesToMib(peakRss(e)) },
      { suffix: ' final', dash: [6, 4], value: (e) => bytesToMib(e.rss_final_bytes) },
    ],
    format: (v) => significant(v),
  },
  {
    name: 'drift',
    title: 'Held-memory drift per epoch (RSS − LazyFree along its robust line; the drift judged)',
    unit: '%',
    lines: [{ suffix: '', value: (e) => judgedDrift(e)?.pct ?? null }],
    format: (v) => significant(v),
  },
  {
    name: 'syscalls',
    title: 'Memory syscalls per op',
    unit: 'syscalls/op',
    lines: [{ suffix: '', value: (e) => e.syscalls_per_op }],
    format: (v) => significant(v),
  },
  counterMetric('lean_decommit'),
  counterMetric('lean_retire'),
];

function bytesToMib(b: number | null): number | null {
  return b === null ? null : b / MIB;
}

export class SeriesView {
  private plots: Array<{ metric: Metric; plot: Plot }> = [];
  private variants: string[] = [];

  constructor(private readonly root: HTMLElement) {}

  reset(variants: string[]): void {
    for (const p of this.plots) p.plot.destroy();
    this.plots = [];
    this.variants = variants;
    this.root.replaceChildren();
    fill('legend', ...variants.map((v) => variantLabel(v)));
    if (variants.length === 0) {
      this.root.appendChild(note('no epochs yet'));
      return;
    }
    for (const metric of METRICS) {
      const series: SeriesSpec[] = [];
      const bands: NonNullable<PlotSpec['bands']> = [];
      for (const v of variants) {
        const color = colorOf(v);
        for (const line of metric.lines) series.push({ label: `${v}${line.suffix}`, color, dash: line.dash, points: true });
        if (metric.cvBand) {
          series.push({ label: `${v} +CV`, color, bandEdge: true }, { label: `${v} −CV`, color, bandEdge: true });
          bands.push({ upper: series.length - 1, lower: series.length, fill: withAlpha(color, 0.16) });
        }
      }
      const plot = new Plot(this.root, {
        name: `series:${metric.name}`,
        title: metric.title,
        unit: metric.unit,
        x: 'clock',
        series,
        bands,
        format: metric.format,
        height: 210,
        emptyText: metric.emptyText ?? 'no completed epoch yet',
      });
      this.plots.push({ metric, plot });
    }
  }

  update(epochs: readonly EpochSummary[]): void {
    if (this.variants.length === 0) return;
    const completed = epochs.filter((e) => e.outcome === 'completed' && e.started_at);
    const x = (e: EpochSummary): number => Date.parse(e.started_at) / 1000;
    for (const { metric, plot } of this.plots) {
      const columns: Point[][] = [];
      for (const v of this.variants) {
        const mine = completed.filter((e) => e.variant === v);
        for (const line of metric.lines) columns.push(mine.map((e) => [x(e), line.value(e)]));
        if (metric.cvBand) {
          const band = (sign: 1 | -1): Point[] =>
            mine.map((e) => [
              x(e),
              e.throughput_mean !== null && e.throughput_cv !== null ? e.throughput_mean * (1 + sign * e.throughput_cv) : null,
            ]);
          columns.push(band(1), band(-1));
        }
      }
      plot.setData(alignSeries(columns));
    }
    const hint = completed.length === 0 ? 'no completed epoch yet' : `${completed.length} completed epoch(s)`;
    this.root.dataset.completed = String(completed.length);
    this.root.setAttribute('aria-description', hint);
  }
}
