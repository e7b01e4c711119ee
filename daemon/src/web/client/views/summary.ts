/**
 * One row per variant: how many epochs and how they ended, the leak judgement of /drift, and the
 * registry's per-variant fields (`perVariant`, fields.ts) folded over its completed epochs as listed by /epochs.
 */
import type { Aggregate } from '../../../domain/epoch-fields.js';
import { fetchDrift, type DriftResponse, type EpochSummary } from '../api.js';
import { h, note, table } from '../dom.js';
import { fold, SUMMARY_TABLE } from '../fields.js';
import { formatField } from '../../../domain/format.js';
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
  const rows = variants.map((v) => {
    const all = epochs.filter((e) => e.variant === v);
    const done = all.filter((e) => e.outcome === 'completed');
    const bad = all.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running');
    return h(
      'tr',
      { 'data-variant': v },
      h('td', null, variantLabel(v)),
      h('td', { class: 'num' }, `${done.length} completed`, bad.length ? h('span', { class: 'error' }, `, ${bad.length} failed`) : ''),
      h('td', null, driftCell(drifts.get(v))),
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
          h('th', null, 'leak'),
          ...SUMMARY_TABLE.map((c) => h('th', { class: c.numeric ? 'num' : undefined }, c.header)),
        ],
        rows,
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      `Over this campaign's completed epochs of the variant — ${foldsText()}. ` +
        "Leak: the judgement of /api/v1/drift over this campaign's epochs of the variant.",
    ),
  );
}

function driftCell(d: DriftResult | undefined): HTMLElement | string {
  if (d === undefined) return 'checking…';
  if (typeof d === 'string') return h('span', { class: 'muted', title: d }, 'not available');
  const first = d.reasons.find((r) => r.decisive) ?? d.reasons[0];
  return h('span', null, badge(d.verdict), first ? clipped(first.message, 90, 'div', 'muted why-left') : '');
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
