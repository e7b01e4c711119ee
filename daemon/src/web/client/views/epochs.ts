/**
 * Every epoch of the campaign with its outcome; one click shows an epoch's details and stderr tail. The
 * columns are the registry's `epochTable` fields (fields.ts).
 */
import { fetchDuetIntervals, fetchEpoch, type EpochDetail } from '../api.js';
import { byId, h, note, table } from '../dom.js';
import { EPOCH_TABLE, type EpochTableField, type ListedEpoch } from '../fields.js';
import {
  bytes,
  clockTime,
  count,
  duration,
  formatField,
  MISSING,
  opsPerSec,
  percent,
  ratioChange,
  signedPercent,
  significant,
} from '../../../domain/format.js';
import { peakRss } from '../../../domain/measures.js';
import { badge, unavailable, variantLabel } from './common.js';

/** Enough rows to scroll through a night; older ones stay available in the API. */
const MAX_ROWS = 500;

/** Fields shown as more than their text: the variant with its colour, the outcome as a badge. */
const RICH: Partial<Record<EpochTableField, (e: ListedEpoch) => Node>> = {
  variant: (e) => variantLabel(e.variant),
  outcome: (e) => badge(e.outcome),
};

/**
 * How the table shows a duet campaign: the arms of a round together, with the round's ratio. Each round
 * runs one of the plan's comparisons; its two variants say which (baseline first).
 */
export interface DuetPairs {
  comparisons: ReadonlyArray<{ baseline: string; candidate: string }>;
}

/** The comparison a round's variants ran, or null (a lone arm, or variants no comparison pairs). */
function comparisonOf(pairs: DuetPairs, variants: readonly string[]): { baseline: string; candidate: string } | null {
  if (variants.length !== 2) return null;
  return (
    pairs.comparisons.find((c) => c.baseline !== c.candidate && variants.includes(c.baseline) && variants.includes(c.candidate)) ?? null
  );
}

/** Where each variant's current series starts, and its last change (GET /campaigns/:id/series). */
export interface SeriesMarks {
  /** Variant → its current series hash. */
  current: ReadonlyMap<string, string>;
  /** First epochs of a new series (the epoch at a series change) → what changed, in words. */
  starts: ReadonlyMap<number, string>;
}

/** The round's ratio, candidate / baseline, per CPU-second when both have it, else per wall-clock second. */
export function roundRatio(base: ListedEpoch | undefined, cand: ListedEpoch | undefined): { ratio: number; basis: 'cpu' | 'wall' } | null {
  if (base?.outcome !== 'completed' || cand?.outcome !== 'completed') return null;
  if (base.throughput_cpu !== null && cand.throughput_cpu !== null && base.throughput_cpu > 0) {
    return { ratio: cand.throughput_cpu / base.throughput_cpu, basis: 'cpu' };
  }
  if (base.throughput_mean !== null && cand.throughput_mean !== null && base.throughput_mean > 0) {
    return { ratio: cand.throughput_mean / base.throughput_mean, basis: 'wall' };
  }
  return null;
}

function ratioCell(base: ListedEpoch | undefined, cand: ListedEpoch | undefined, rows: number): HTMLTableCellElement {
  const r = roundRatio(base, cand);
  return h(
    'td',
    {
      class: 'num pair-ratio',
      rowspan: rows > 1 ? rows : undefined,
      'data-col': 'pair_ratio',
      'data-ratio': r === null ? undefined : r.ratio.toFixed(6),
      'data-basis': r?.basis,
      title:
        r === null
          ? 'both arms must complete'
          : `candidate / baseline throughput ${r.basis === 'cpu' ? 'per CPU-second' : 'per wall-clock second'}`,
    },
    r === null ? MISSING : `${r.ratio.toFixed(4)} (${ratioChange(r.ratio)})${r.basis === 'wall' ? ' wall' : ''}`,
  );
}

/**
 * Every epoch of the campaign, newest first; in a duet campaign (`pairs`) the two arms of a round on
 * adjacent rows (baseline first) with the round's ratio across both. `series` marks the epochs where a
 * variant's series changed, and those of an earlier series that verdicts no longer count.
 */
export function renderEpochs(
  root: HTMLElement,
  epochs: readonly ListedEpoch[],
  opts: { pairs?: DuetPairs | null; series?: SeriesMarks | null } = {},
): void {
  if (epochs.length === 0) {
    root.replaceChildren(note('no epochs yet'));
    return;
  }
  const { pairs = null, series = null } = opts;
  const outcomes = new Map<string, number>();
  for (const e of epochs) outcomes.set(e.outcome, (outcomes.get(e.outcome) ?? 0) + 1);
  const row = (e: ListedEpoch, extra: HTMLTableCellElement | null, cls?: string): HTMLTableRowElement => {
    const failed = e.outcome !== 'completed' && e.outcome !== 'running';
    const button = h('button', { class: 'link', type: 'button', 'data-epoch': e.id }, failed ? 'stderr tail' : 'details');
    button.addEventListener('click', () => void showEpoch(e.id));
    const started = series?.starts.get(e.id);
    const current = series?.current.get(e.variant);
    const old = current !== undefined && e.series_sha256 !== null && e.series_sha256 !== current;
    const classes = [cls, old ? 'old-series' : undefined].filter((c) => c !== undefined).join(' ');
    return h(
      'tr',
      {
        'data-epoch': e.id,
        'data-outcome': e.outcome,
        'data-round': e.round,
        'data-series-start': started === undefined ? undefined : 'true',
        'data-old-series': old ? 'true' : undefined,
        class: classes || undefined,
        title: old ? 'an earlier series of this variant: verdicts no longer count this epoch' : undefined,
      },
      ...EPOCH_TABLE.map((c) => {
        const content = RICH[c.field]?.(e) ?? formatField(c.unit, e[c.field], 'compact');
        const mark =
          c.field === 'variant' && started !== undefined
            ? [' ', h('span', { class: 'badge series-start', title: started }, 'new series')]
            : [];
        return h('td', { class: c.numeric ? 'num' : undefined, 'data-col': c.field }, content, ...mark);
      }),
      ...(extra === null ? [] : [extra]),
      h('td', null, button),
    );
  };
  let rows: HTMLTableRowElement[];
  let shown: number;
  if (pairs === null) {
    const list = epochs.slice(0, MAX_ROWS);
    shown = list.length;
    rows = list.map((e) => row(e, null));
  } else {
    // Rounds newest first; in each, baseline then candidate, then any other variant's epoch of that round.
    const byRound = new Map<number, ListedEpoch[]>();
    for (const e of epochs) byRound.set(e.round, [...(byRound.get(e.round) ?? []), e]);
    rows = [];
    shown = 0;
    for (const round of [...byRound.keys()].sort((a, b) => b - a)) {
      if (shown >= MAX_ROWS) break;
      const all = byRound.get(round) ?? [];
      const cmp = comparisonOf(
        pairs,
        all.map((e) => e.variant),
      );
      const order = (v: string): number => (v === cmp?.baseline ? 0 : v === cmp?.candidate ? 1 : 2);
      const group = all.sort((a, b) => order(a.variant) - order(b.variant) || b.id - a.id);
      const base = cmp === null ? undefined : group.find((e) => e.variant === cmp.baseline);
      const cand = cmp === null ? undefined : group.find((e) => e.variant === cmp.candidate);
      group.forEach((e, i) => {
        const cls = group.length > 1 ? (i === 0 ? 'pair-first' : 'pair-rest') : 'pair-alone';
        rows.push(row(e, i === 0 ? ratioCell(base, cand, group.length) : null, cls));
      });
      shown += group.length;
    }
  }
  const headers = [
    ...EPOCH_TABLE.map((c) => h('th', { class: c.numeric ? 'num' : undefined }, c.header)),
    ...(pairs === null
      ? []
      : [h('th', { class: 'num', title: 'candidate / baseline throughput, per CPU-second when both report it' }, 'round ratio')]),
    h('th', null, ''),
  ];
  root.replaceChildren(
    h('p', null, ...[...outcomes].flatMap(([o, n]) => [badge(`${n} ${o}`, o), ' '])),
    ...(pairs === null
      ? []
      : [
          note(
            'Duet: both arms of a round (a comparison of the plan) ran at the same time; each round is one pair, baseline first, ' +
              'its ratio candidate / baseline throughput per CPU-second (per wall-clock second, marked "wall", when an arm lacks CPU time).',
          ),
        ]),
    h('div', { class: 'table-scroll' }, table(headers, rows)),
    ...(epochs.length > shown ? [note(`the newest ${shown} of ${epochs.length} epochs are listed; all are in /api/v1/epochs`)] : []),
  );
}

/** The value at quantile q of sorted xs (nearest rank). */
const at = (xs: readonly number[], q: number): number => xs[Math.min(xs.length - 1, Math.max(0, Math.round(q * (xs.length - 1))))] ?? NaN;

/** A duet round's interval ratios in one line, or why there are none. */
async function intervalsText(campaign: number, round: number, epochId: number): Promise<HTMLElement> {
  try {
    const r = (await fetchDuetIntervals(campaign, round)).rounds.find(
      (x) => x.baseline.epoch_id === epochId || x.candidate.epoch_id === epochId,
    );
    if (r === undefined || r.intervals.length === 0)
      return h('span', { class: 'muted' }, 'no interval ratios stored (the round did not end)');
    const xs = r.intervals.map((i) => i.ratio).sort((a, b) => a - b);
    const f = (x: number): string => x.toFixed(4);
    return h(
      'span',
      { 'data-role': 'duet-intervals', 'data-count': xs.length },
      `${r.candidate.variant} / ${r.baseline.variant} ${r.basis === 'cpu' ? 'per CPU-second' : 'per wall-clock second'} over ${xs.length} intervals: ` +
        `median ${f(r.median_ratio)}, middle half ${f(at(xs, 0.25))}–${f(at(xs, 0.75))}, range ${f(at(xs, 0))}–${f(at(xs, 1))} ` +
        `(clocks ${r.clock_offset_ms.toFixed(1)} ms apart; for looking at: the verdict takes the round as one pair)`,
    );
  } catch (err) {
    return h('span', { class: 'error' }, unavailable('interval ratios', err));
  }
}

type Ran = Pick<
  EpochDetail,
  'allocator_reported' | 'allocator_version' | 'allocator_profile' | 'allocator_library_reported' | 'allocator_knobs'
>;

/** What served malloc, as the epoch recorded it: "leanmalloc, profile lean (/…/libleanmalloc.so)". */
function ranText(e: Ran): string | null {
  if (e.allocator_reported === null) return null;
  const name = [e.allocator_reported, e.allocator_version].filter((x) => x !== null).join(' ');
  const profile = e.allocator_profile === null ? '' : `, profile ${e.allocator_profile}`;
  return `${name}${profile}${e.allocator_library_reported === null ? '' : ` (${e.allocator_library_reported})`}`;
}

/** leanmalloc's knobs as VARIABLE=value, one space apart. */
function knobsText(json: string | null): string | null {
  if (json === null) return null;
  try {
    return Object.entries(JSON.parse(json) as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  } catch {
    return json;
  }
}

function hostText(host: EpochDetail['host']): string | null {
  return host === null ? null : `${host.hostname}, ${host.kernel}, ${host.cpu_model}`;
}

/** Open the epoch dialog and fill it from GET /epochs/:id. */
export async function showEpoch(id: number): Promise<void> {
  const dialog = byId('epoch-dialog') as HTMLDialogElement;
  const body = byId('epoch-dialog-body');
  byId('epoch-dialog-h').textContent = `Epoch #${id}`;
  body.replaceChildren(note('loading…'));
  dialog.dataset.epoch = String(id);
  delete dialog.dataset.loaded;
  if (!dialog.open) dialog.showModal();
  try {
    const e = await fetchEpoch(id);
    const facts: Array<[string, string | Node]> = [
      ['variant', variantLabel(e.variant)],
      ['outcome', badge(e.outcome)],
      ['reason', e.outcome_reason ?? MISSING],
      ['exit code / signal', `${e.exit_code ?? MISSING} / ${e.signal ?? MISSING}`],
      ['started / ended', `${clockTime(e.started_at)} / ${clockTime(e.ended_at)}`],
      ['planned (warm-up)', `${duration(e.planned_ms)} (${duration(e.warmup_ms)})`],
      ['ops', count(e.ops)],
      ['throughput per CPU-s', opsPerSec(e.throughput_cpu)],
      ['throughput wall (CV)', `${opsPerSec(e.throughput_mean)} (${percent(e.throughput_cv)})`],
      ['held-memory drift (judged) / endpoint drift', `${signedPercent(e.rss_held_drift_pct, 2)} / ${signedPercent(e.rss_drift_pct, 2)}`],
      [
        'RSS initial / final / peak (VmHWM)',
        `${bytes(e.rss_initial_bytes, { significant: 3 })} / ${bytes(e.rss_final_bytes, { significant: 3 })} / ${bytes(peakRss(e), { significant: 3 })}`,
      ],
      ['largest sample', bytes(e.rss_peak_bytes, { significant: 3 })],
      ['peak reset at warm-up end', e.hwm_reset === null ? MISSING : e.hwm_reset === 1 ? 'yes' : 'refused (see analysis note)'],
      ['syscalls/op', significant(e.syscalls_per_op)],
    ];
    const ran = ranText(e);
    if (ran) facts.push(['allocator (as run)', ran]);
    const knobs = knobsText(e.allocator_knobs);
    if (knobs) facts.push(['leanmalloc knobs', knobs]);
    if (e.analysis_note) facts.push(['analysis note', e.analysis_note]);
    const host = hostText(e.host);
    if (host) facts.push(['host', host]);
    // An arm of a duet round (pinned to CPUs): the round's per-interval ratios, summarised.
    if (e.cpus !== null) facts.push([`duet round ${e.round}, per interval`, await intervalsText(e.campaign_id, e.round, id)]);
    body.replaceChildren(
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      h('h3', null, e.stderr_lines ? `stderr tail (${e.stderr_lines} lines written)` : 'stderr tail'),
      e.stderr_tail
        ? h('pre', { class: 'stderr' }, e.stderr_tail)
        : note(
            e.stderr_tail === null && e.outcome === 'completed'
              ? 'not kept (recorded before completed epochs kept it)'
              : '(nothing written)',
          ),
    );
    dialog.dataset.loaded = 'true';
  } catch (err) {
    body.replaceChildren(h('p', { class: 'error' }, unavailable(`epoch #${id}`, err)));
  }
}
