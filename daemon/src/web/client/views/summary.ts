/**
 * One row per variant: how many epochs and how they ended, and the campaign-wide figures from its
 * completed epochs (as listed by /epochs), plus the leak judgement of /drift.
 */
import { fetchDrift, type Drift, type EpochSummary } from '../api.js';
import { h, note } from '../dom.js';
import { bytes, count, opsPerSec, percent, signedPercent, significant } from '../../../domain/format.js';
import { badge, clipped, unavailable, variantLabel } from './common.js';

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? null) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}
function values(es: EpochSummary[], f: (e: EpochSummary) => number | null): number[] {
  return es.map(f).filter((v): v is number => v !== null);
}

export function renderSummary(
  root: HTMLElement,
  variants: string[],
  epochs: readonly EpochSummary[],
  drifts: Map<string, Drift | string>,
): void {
  if (variants.length === 0 || epochs.length === 0) {
    root.replaceChildren(note('no epochs yet'));
    return;
  }
  const head = [
    'variant',
    'epochs',
    'leak',
    'throughput',
    'CV',
    'peak RSS',
    'final RSS',
    'drift',
    'syscalls/op',
    'lean_decommit',
    'lean_retire',
  ];
  const rows = variants.map((v) => {
    const all = epochs.filter((e) => e.variant === v);
    const done = all.filter((e) => e.outcome === 'completed'); // newest first
    const bad = all.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running');
    const peaks = values(done, (e) => e.rss_peak_bytes);
    const sum = (f: (e: EpochSummary) => number | null): number | null => {
      const xs = values(done, f);
      return xs.length ? xs.reduce((a, b) => a + b, 0) : null;
    };
    const d = drifts.get(v);
    return h(
      'tr',
      { 'data-variant': v },
      h('td', null, variantLabel(v)),
      h('td', { class: 'num' }, `${done.length} completed`, bad.length ? h('span', { class: 'error' }, `, ${bad.length} failed`) : ''),
      h('td', null, driftCell(d)),
      h('td', { class: 'num' }, opsPerSec(mean(values(done, (e) => e.throughput_mean)))),
      h('td', { class: 'num' }, percent(median(values(done, (e) => e.throughput_cv)))),
      h('td', { class: 'num' }, bytes(peaks.length ? Math.max(...peaks) : null, { significant: 3 })),
      h('td', { class: 'num' }, bytes(done[0]?.rss_final_bytes, { significant: 3 })),
      h('td', { class: 'num' }, signedPercent(done[0]?.rss_drift_pct)),
      h('td', { class: 'num' }, significant(mean(values(done, (e) => e.syscalls_per_op)))),
      h('td', { class: 'num', 'data-col': 'lean_decommit' }, count(sum((e) => e.lean_decommit))),
      h('td', { class: 'num', 'data-col': 'lean_retire' }, count(sum((e) => e.lean_retire))),
    );
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'table-wide' },
      h(
        'table',
        null,
        h('thead', null, h('tr', null, ...head.map((t, i) => h('th', { class: i === 1 || i > 2 ? 'num' : undefined }, t)))),
        h('tbody', null, ...rows),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      "From this campaign's completed epochs: throughput and syscalls/op are the mean of the epoch values, CV the median, peak RSS the maximum, " +
        "final RSS and drift those of the latest epoch, lean counters the sum. Leak: the judgement of /api/v1/drift over this campaign's epochs of the variant.",
    ),
  );
}

function driftCell(d: Drift | string | undefined): HTMLElement | string {
  if (d === undefined) return 'checking…';
  if (typeof d === 'string') return h('span', { class: 'muted', title: d }, 'not available');
  // The drift judgement's own words (LEAK, DRIFT, CLEAN, INSUFFICIENT); an older daemon may only say leak: bool.
  const word = d.verdict ?? (d.leak === true ? 'LEAK' : d.leak === false ? 'CLEAN' : 'unknown');
  const label = badge(word);
  const first = d.reasons.find((r) => r.decisive) ?? d.reasons[0];
  return h('span', null, label, first ? clipped(first.message, 90, 'div', 'muted why-left') : '');
}

export async function loadDrifts(variants: string[], campaign: number): Promise<Map<string, Drift | string>> {
  const out = new Map<string, Drift | string>();
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
