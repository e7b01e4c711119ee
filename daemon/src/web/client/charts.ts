/**
 * Plots, drawn by uPlot (small, fast, made for long time series). uPlot is loaded at run time from the
 * daemon's own copy (/assets/uplot/); only its types are imported here.
 *
 * Every plot element carries `data-plot` (its name) and, after each update, `data-points` (non-null
 * values over all its data series) and `data-x` (x values): what the page shows can be checked
 * from outside (the browser test reads them).
 */
import type uPlot from 'uplot';
import { MISSING } from '../../domain/format.js';
import { h } from './dom.js';
import type { PlotData } from './plot-data.js';

type UPlotCtor = typeof uPlot;
const UPLOT_URL = '/assets/uplot/uPlot.esm.js';
let UPlot: UPlotCtor | null = null;

export async function loadPlotting(): Promise<void> {
  // A run-time URL (not a bundled module): the import is typed by the cast, not by resolution.
  const mod = (await import(UPLOT_URL)) as { default: UPlotCtor };
  UPlot = mod.default;
}

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  width?: number;
  /** An edge of a band: not drawn as a line, not listed in the legend, not counted in data-points. */
  bandEdge?: boolean;
  points?: boolean;
}

export interface PlotSpec {
  name: string;
  title: string;
  /** Unit shown on the y axis, e.g. "MiB". */
  unit: string;
  /** 'elapsed': seconds into the epoch; 'clock': wall-clock time (x in Unix seconds). */
  x: 'elapsed' | 'clock';
  series: SeriesSpec[];
  /** Pairs of series indices (1-based, as uPlot counts) filled between, with their fill colour. */
  bands?: Array<{ upper: number; lower: number; fill: string }>;
  height?: number;
  /** Format of y values on the axis and in the legend. */
  format?: (v: number) => string;
  legend?: boolean;
  /** Shown instead of an empty plot (default "no data yet"). */
  emptyText?: string;
}

const DEFAULT_HEIGHT = 190;

/** Tick steps of a wall-clock axis, in seconds: whole seconds up to days. */
const CLOCK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Local times of Unix seconds: HH:MM:SS, or with the date when the values span more than a day. */
function clockLabels(values: number[], withSeconds = false): string[] {
  const first = values[0];
  const last = values[values.length - 1];
  const span = first !== undefined && last !== undefined ? last - first : 0;
  return values.map((v) => {
    const d = new Date(v * 1000);
    const time = d.toLocaleTimeString('en-GB', {
      hour12: false,
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds || span < 600 ? { second: '2-digit' } : {}),
    });
    return span >= 86400 ? `${d.toLocaleDateString('en-CA', { month: '2-digit', day: '2-digit' })} ${time}` : time;
  });
}

export class Plot {
  readonly el: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly emptyNote: HTMLDivElement;
  private u: uPlot | null = null;
  private readonly resize: ResizeObserver;

  constructor(
    parent: HTMLElement,
    readonly spec: PlotSpec,
  ) {
    this.body = h('div');
    this.emptyNote = h('div', { class: 'plot-empty' }, spec.emptyText ?? 'no data yet');
    this.el = h(
      'div',
      { class: 'plot', 'data-plot': spec.name, 'data-points': 0, 'data-x': 0 },
      h('div', { class: 'plot-title' }, `${spec.title} (${spec.unit})`),
      this.emptyNote,
      this.body,
    );
    parent.appendChild(this.el);
    this.resize = new ResizeObserver(() => {
      const width = this.width();
      if (this.u && width > 0 && Math.abs(width - this.u.width) > 2) this.u.setSize({ width, height: this.u.height });
    });
    this.resize.observe(this.el);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.el.clientWidth));
  }

  /** Replace the data; `xRange` pins the x scale (e.g. the whole planned epoch while it runs). */
  setData(data: PlotData, xRange: [number, number] | null = null): void {
    if (!UPlot) throw new Error('the plotting library is not loaded');
    const points = data
      .slice(1)
      .reduce((n, col, i) => (this.spec.series[i]?.bandEdge ? n : n + col.filter((v) => v !== null && v !== undefined).length), 0);
    this.el.dataset.points = String(points);
    this.el.dataset.x = String(data[0].length);
    this.emptyNote.hidden = points > 0;
    this.pinnedX = xRange;
    const aligned = data as unknown as uPlot.AlignedData;
    if (this.u === null) {
      this.u = new UPlot(this.options(), aligned, this.body);
      this.hideBandEdgesFromLegend();
    } else {
      this.u.setData(aligned);
    }
  }

  private pinnedX: [number, number] | null = null;
  private shadeTo: number | null = null;

  /** Shade x from 0 to this value (the warm-up, excluded from the statistics); null: none. */
  setShade(x: number | null): void {
    this.shadeTo = x;
    this.el.dataset.shade = x === null ? '' : String(x);
  }

  private drawShade(u: uPlot): void {
    if (this.shadeTo === null || this.shadeTo <= 0) return;
    const left = u.valToPos(Math.max(0, u.scales.x?.min ?? 0), 'x', true);
    const right = u.valToPos(Math.min(this.shadeTo, u.scales.x?.max ?? this.shadeTo), 'x', true);
    if (!(right > left)) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = 'rgba(93, 102, 120, 0.10)';
    ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
    // Label it only where it fits, centred at the top of the shaded band.
    const dpr = devicePixelRatio;
    ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
    // uPlot leaves its own alignment in the context (axis labels): set ours.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    const text = 'warm-up';
    const w = ctx.measureText(text).width;
    if (right - left > w + 8 * dpr) {
      ctx.fillStyle = 'rgba(93, 102, 120, 0.9)';
      ctx.fillText(text, left + (right - left - w) / 2, u.bbox.top + 4 * dpr);
    }
    ctx.restore();
  }

  private options(): uPlot.Options {
    const spec = this.spec;
    const fmt = spec.format ?? ((v: number) => String(v));
    return {
      width: this.width(),
      height: spec.height ?? DEFAULT_HEIGHT,
      legend: { show: spec.legend ?? true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: spec.x === 'clock',
          // Pinned while an epoch runs, so the line visibly grows towards the planned end.
          range: (_u, min, max) => (this.pinnedX ? this.pinnedX : min === max ? [min - 1, max + 1] : [min, max]),
        },
        y: {
          range: (_u, min, max) => {
            if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
            const lo = Math.min(0, min);
            const hi = max === lo ? lo + 1 : max;
            return [lo, hi + (hi - lo) * 0.08];
          },
        },
      },
      axes: [
        spec.x === 'clock'
          ? { stroke: '#5d6678', grid: { stroke: '#eef0f4' }, space: 70, incrs: CLOCK_STEPS, values: (_u, splits) => clockLabels(splits) }
          : {
              stroke: '#5d6678',
              grid: { stroke: '#eef0f4' },
              label: 'seconds into the epoch',
              labelSize: 18,
              values: (_u, splits) => splits.map((s) => `${s}`),
            },
        { stroke: '#5d6678', grid: { stroke: '#eef0f4' }, size: 64, values: (_u, splits) => splits.map((s) => fmt(s)) },
      ],
      series: [
        spec.x === 'clock'
          ? { label: 'started', value: (_u, v) => (v === null ? MISSING : (clockLabels([v], true)[0] ?? MISSING)) }
          : { label: 's', value: (_u, v) => (v === null ? MISSING : `${v.toFixed(1)} s`) },
        ...spec.series.map((s): uPlot.Series => ({
          label: s.label,
          stroke: s.bandEdge ? 'transparent' : s.color,
          width: s.bandEdge ? 0 : (s.width ?? 1.6),
          dash: s.dash,
          spanGaps: true,
          points: { show: s.bandEdge ? false : (s.points ?? false), size: 5, fill: s.color },
          value: (_u, v) => (v === null || v === undefined ? MISSING : fmt(v)),
        })),
      ],
      hooks: { drawClear: [(u) => this.drawShade(u)] },
      bands: (spec.bands ?? []).map((b) => ({ series: [b.upper, b.lower] as [number, number], fill: b.fill })),
    };
  }

  private hideBandEdgesFromLegend(): void {
    const rows = this.el.querySelectorAll<HTMLElement>('.u-legend .u-series');
    this.spec.series.forEach((s, i) => {
      // Row 0 is the x series.
      const row = rows[i + 1];
      if (s.bandEdge && row) row.style.display = 'none';
    });
  }

  destroy(): void {
    this.resize.disconnect();
    this.u?.destroy();
    this.u = null;
    this.el.remove();
  }
}
