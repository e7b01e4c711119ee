/**
 * One row per variant: how many epochs and how they ended, the leak and drift judgement of /drift with the
 * drift it judged, the throughput on the basis the verdicts use and on the other (domain/measures.ts, as
 * the report and the CLI), and the registry's per-variant fields (`perVariant`, fields.ts) folded over its
 * completed epochs as listed by /epochs.
 */
import type { Aggregate } from '../../../domain/epoch-fields.js';
import { fetchDrift, type DriftResponse, type EpochSummary } from '../api.js';
import { h, note, table } from '../dom.js';
import { fold, SUMMARY_TABLE } from '../fields.js';
import { formatField } from '../../../domain/format.js';
import { BASIS_LABEL, driftFigure, summarizeThroughput, throughputHeaders } from '../../../domain/measures.js';
import { badge, clipped, unavailable, variantLabel } from './common.js';

/** A variant's drift judgement, or why it is not available. */
export type DriftResult = DriftResponse | string;

const FOLDS: Record<Aggregate, string> = { mean: 'the mean', median: 'the median', max: 'the maximum', sum: 'the sum' };

/** "throughput is the mean of the epoch values, CV in epoch and RSS drift the median, …" */
function foldsText(): string {
  const by = new Map<Aggregate, string[]>();
  for (const c of SUMMARY_TABLE) by.set(c.aggregate, [...(by.get(c.aggregate) ?? []), c.header]);
  return [...by].map(([how, headers]) => `${headers.join(', ')}: ${FOLDS[how]}`).join('; ');
}

export function renderSummary(
  root: HTMLElement,
  variants: string[],
  epochs: readonly EpochSummary[],
  drifts: Map<string, DriftResult>,
): void {
  if (variants.length === 0 || epochs.length === 0) {
    root.replaceChildren(note('no epochs yet'));
    return;
  }
  const completed = (v: string): EpochSummary[] => epochs.filter((e) => e.variant === v && e.outcome === 'completed');
  const tput = summarizeThroughput(new Map(variants.map((v) => [v, completed(v)] as const).filter(([, es]) => es.length > 0)));
  const heads = throughputHeaders(tput);
  const rows = variants.map((v) => {
    const all = epochs.filter((e) => e.variant === v);
    const done = completed(v);
    const t = tput.variants.get(v);
    const bad = all.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running');
    return h(
      'tr',
      { 'data-variant': v },
      h('td', null, variantLabel(v)),
      h('td', { class: 'num' }, `${done.length} completed`, bad.length ? h('span', { class: 'error' }, `, ${bad.length} failed`) : ''),
      h('td', null, driftCell(drifts.get(v))),
      h('td', { class: 'num', 'data-col': 'throughput', 'data-basis': tput.basis }, formatField('ops/s', t?.lead ?? null, 'compact')),
      h(
        'td',
        { class: 'num muted', 'data-col': 'throughput_other', 'data-basis': tput.other },
        formatField('ops/s', t?.other ?? null, 'compact'),
      ),
      ...SUMMARY_TABLE.map((c) =>
        h('td', { class: c.numeric ? 'num' : undefined, 'data-col': c.field }, formatField(c.unit, fold(c, done), 'compact')),
      ),
    );
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'table-wide' },
      table(
        [
          h('th', null, 'variant'),
          h('th', { class: 'num' }, 'epochs'),
          h('th', null, 'leak and drift'),
          h('th', { class: 'num' }, heads.lead),
          h('th', { class: 'num' }, heads.other),
          ...SUMMARY_TABLE.map((c) => h('th', { class: c.numeric ? 'num' : undefined }, c.header)),
        ],
        rows,
      ),
    ),
    h(
      'p',
      { class: 'muted', id: 'fastest', 'data-basis': tput.basis, 'data-order': tput.fastestFirst.join(',') },
      tput.fastestFirst.length >= 2 ? `Fastest first, ${BASIS_LABEL[tput.basis]}: ${tput.fastestFirst.join(', ')}. ` : '',
      `Over this campaign's completed epochs of the variant — throughput: the median, ${BASIS_LABEL[tput.basis]} first ` +
        `(the basis the verdicts use when every epoch reports CPU time), then ${BASIS_LABEL[tput.other]}; ${foldsText()}. ` +
        "Leak and drift: the judgement of /api/v1/drift over this campaign's epochs of the variant, with the drift it judged (held memory).",
    ),
  );
}

function driftCell(d: DriftResult | undefined): HTMLElement | string {
  if (d === undefined) return 'checking…';
  if (typeof d === 'string') return h('span', { class: 'muted', title: d }, 'not available');
  const first = d.reasons.find((r) => r.decisive) ?? d.reasons[0];
  return h(
    'span',
    { 'data-drift-verdict': d.verdict },
    badge(d.verdict),
    h('div', { class: 'drift-figure' }, driftFigure(d.drift_pct)),
    first ? clipped(first.message, 90, 'div', 'muted why-left') : '',
  );
}

export async function loadDrifts(variants: string[], campaign: number): Promise<Map<string, DriftResult>> {
  const out = new Map<string, DriftResult>();
  await Promise.all(
    variants.map(async (v) => {
      try {
        out.set(v, await fetchDrift(v, campaign));
      } catch (err) {
        out.set(v, unavailable('drift', err));
      }
    }),
  );
  return out;
}
