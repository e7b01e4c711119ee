/** Every epoch of the campaign with its outcome; one click shows an epoch's details and stderr tail. */
import { fetchEpoch, type EpochSummary } from '../api.js';
import { byId, h, note } from '../dom.js';
import {
  bytes,
  clockTime,
  count,
  duration,
  MISSING,
  opsPerSec,
  percent,
  signedPercent,
  significant,
  spanMs,
} from '../../../domain/format.js';
import { badge, unavailable, variantLabel } from './common.js';

/** Enough rows to scroll through a night; older ones stay available in the API. */
const MAX_ROWS = 500;

export function renderEpochs(root: HTMLElement, epochs: readonly EpochSummary[]): void {
  if (epochs.length === 0) {
    root.replaceChildren(note('no epochs yet'));
    return;
  }
  const outcomes = new Map<string, number>();
  for (const e of epochs) outcomes.set(e.outcome, (outcomes.get(e.outcome) ?? 0) + 1);
  const head = ['#', 'variant', 'round', 'outcome', 'started', 'duration', 'throughput', 'CV', 'peak RSS', 'drift', 'syscalls/op', ''];
  const rows = epochs.slice(0, MAX_ROWS).map((e) => {
    const failed = e.outcome !== 'completed' && e.outcome !== 'running';
    const button = h('button', { class: 'link', type: 'button', 'data-epoch': e.id }, failed ? 'stderr tail' : 'details');
    button.addEventListener('click', () => void showEpoch(e.id));
    return h(
      'tr',
      { 'data-epoch': e.id, 'data-outcome': e.outcome },
      h('td', { class: 'num' }, e.id),
      h('td', null, variantLabel(e.variant)),
      h('td', { class: 'num' }, e.round ?? MISSING),
      h('td', null, badge(e.outcome)),
      h('td', null, clockTime(e.started_at)),
      h('td', { class: 'num' }, duration(spanMs(e.started_at, e.ended_at))),
      h('td', { class: 'num' }, opsPerSec(e.throughput_mean)),
      h('td', { class: 'num' }, percent(e.throughput_cv)),
      h('td', { class: 'num' }, bytes(e.rss_peak_bytes, { significant: 3 })),
      h('td', { class: 'num' }, signedPercent(e.rss_drift_pct)),
      h('td', { class: 'num' }, significant(e.syscalls_per_op)),
      h('td', null, button),
    );
  });
  root.replaceChildren(
    h('p', null, ...[...outcomes].flatMap(([o, n]) => [badge(`${n} ${o}`, o), ' '])),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h('tr', null, ...head.map((t, i) => h('th', { class: [0, 2, 5, 6, 7, 8, 9, 10].includes(i) ? 'num' : undefined }, t))),
        ),
        h('tbody', null, ...rows),
      ),
    ),
    ...(epochs.length > MAX_ROWS ? [note(`the newest ${MAX_ROWS} of ${epochs.length} epochs are listed; all are in /api/v1/epochs`)] : []),
  );
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
      ['throughput (CV)', `${opsPerSec(e.throughput_mean)} (${percent(e.throughput_cv)})`],
      [
        'RSS initial / final / peak',
        `${bytes(e.rss_initial_bytes, { significant: 3 })} / ${bytes(e.rss_final_bytes, { significant: 3 })} / ${bytes(e.rss_peak_bytes, { significant: 3 })}`,
      ],
      ['syscalls/op', significant(e.syscalls_per_op)],
    ];
    if (e.analysis_note) facts.push(['analysis note', e.analysis_note]);
    if (e.host) facts.push(['host', e.host]);
    body.replaceChildren(
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      h('h3', null, 'stderr tail'),
      e.stderr_tail
        ? h('pre', { class: 'stderr' }, e.stderr_tail)
        : note(e.outcome === 'completed' ? 'not kept for completed epochs' : '(empty)'),
    );
    dialog.dataset.loaded = 'true';
  } catch (err) {
    body.replaceChildren(h('p', { class: 'error' }, unavailable(`epoch #${id}`, err)));
  }
}
