/**
 * A variant's history across builds, as GET /api/v1/history gives it: its builds in order (a build is a
 * distinct allocator library, named by its build label or git commit), per build the medians with their
 * intervals, and each build judged against the one before; change points are marked (◆).
 */
import { fetchHistory, type HistoryResponse } from '../api.js';
import { errorNote, h, note, table } from '../dom.js';
import { bytes, confidenceLevel, MISSING, rate, signedPercent, shortCommit, significant } from '../../../domain/format.js';
import { badge, clipped, unavailable } from './common.js';

type Build = HistoryResponse['builds'][number];
type Measure = Build['throughput'];

function cell(m: Measure, fmt: (v: number) => string): HTMLElement {
  if (m.median === null) return h('td', { class: 'num muted' }, MISSING);
  const iv = m.low !== null && m.high !== null ? `[${fmt(m.low)}, ${fmt(m.high)}]` : 'no interval yet';
  return h('td', { class: 'num' }, fmt(m.median), h('div', { class: 'muted' }, iv));
}

function buildCell(b: Build): HTMLElement {
  const details: string[] = [];
  if (b.commit !== null)
    details.push(`commit ${shortCommit(b.commit)}${b.dirty === true ? ' (dirty)' : b.dirty === false ? ' (clean)' : ''}`);
  if (b.library_sha256 !== null) details.push(`sha256 ${b.library_sha256.slice(0, 12)}`);
  return h(
    'td',
    null,
    b.change?.marked === true ? h('span', { class: 'change-mark', title: 'change point' }, '◆ ') : '',
    `${b.index}. `,
    h('strong', null, b.name),
    details.length ? h('div', { class: 'muted' }, details.join(' · ')) : '',
  );
}

function changeCell(b: Build): HTMLElement {
  const c = b.change;
  if (c === null) return h('td', { class: 'muted' }, 'first build');
  return h('td', null, badge(c.speed.verdict), ' ', clipped(c.summary, 140, 'div', c.marked ? 'change' : 'muted'));
}

export function renderHistory(el: HTMLElement, hist: HistoryResponse): void {
  if (hist.builds.length === 0) {
    el.replaceChildren(note(`${hist.variant}: no epochs yet`));
    return;
  }
  const rows = hist.builds.map((b) =>
    h(
      'tr',
      { 'data-build': b.index, class: b.change?.marked === true ? 'change-point' : undefined },
      buildCell(b),
      h('td', { class: 'num' }, `${b.epochs.completed}${b.epochs.failed > 0 ? ` (+${b.epochs.failed} failed)` : ''}`),
      cell(b.throughput, (v) => rate(v)),
      cell(b.rss_held_bytes, (v) => bytes(v)),
      cell(b.rss_peak_bytes, (v) => bytes(v)),
      cell(b.drift_pct, (v) => signedPercent(v, 2)),
      cell(b.syscalls_per_op, (v) => significant(v)),
      changeCell(b),
    ),
  );
  const basis = hist.throughput_basis === 'cpu' ? 'ops per CPU-s' : 'ops/s wall';
  el.replaceChildren(
    table(
      ['build', 'epochs', `throughput, ${basis}`, 'held RSS', 'peak RSS', 'drift per epoch', 'syscalls/op', 'vs the previous build'].map(
        (t) => h('th', null, t),
      ),
      rows,
    ),
    note(
      `Medians over completed epochs with ${confidenceLevel(hist.confidence)} intervals; each build judged against the one before ` +
        'with the A/B verdict rules (speed; memory by its equivalence band), unpaired since builds never run together. ' +
        (hist.change_points.length === 0 ? 'No change point.' : `Change points (◆) at build ${hist.change_points.join(', ')}.`),
    ),
  );
}

/** Fetch and draw the history of one variant (errors shown in place). */
export async function loadHistory(el: HTMLElement, variant: string): Promise<void> {
  try {
    renderHistory(el, await fetchHistory(variant));
  } catch (err) {
    el.replaceChildren(errorNote(unavailable(`history of ${variant}`, err)));
  }
}
