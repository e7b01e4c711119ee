/** Every epoch of the campaign with its outcome; one click shows an epoch's details and stderr tail. */
import { fetchEpoch, type EpochDetail, type EpochSummary } from '../api.js';
import { byId, h, note } from '../dom.js';
import { count, mib, opsPerSec, plain, ratioPct, seconds, signedPct, spanMs, when } from '../format.js';
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
      h('td', { class: 'num' }, e.round ?? '–'),
      h('td', null, badge(e.outcome)),
      h('td', null, when(e.started_at)),
      h('td', { class: 'num' }, seconds(spanMs(e.started_at, e.ended_at))),
      h('td', { class: 'num' }, opsPerSec(e.throughput_mean)),
      h('td', { class: 'num' }, ratioPct(e.throughput_cv)),
      h('td', { class: 'num' }, mib(e.rss_peak_bytes)),
      h('td', { class: 'num' }, signedPct(e.rss_drift_pct)),
      h('td', { class: 'num' }, plain(e.syscalls_per_op)),
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
      ['reason', e.outcome_reason ?? '–'],
      ['exit code / signal', `${e.exit_code ?? '–'} / ${e.signal ?? '–'}`],
      ['started / ended', `${when(e.started_at)} / ${when(e.ended_at)}`],
      ['planned (warm-up)', `${seconds(e.planned_ms)} (${seconds(e.warmup_ms)})`],
      ['ops', count(e.ops)],
      ['throughput (CV)', `${opsPerSec(e.throughput_mean)} (${ratioPct(e.throughput_cv)})`],
      ['RSS initial / final / peak', `${mib(e.rss_initial_bytes)} / ${mib(e.rss_final_bytes)} / ${mib(e.rss_peak_bytes)}`],
      ['syscalls/op', plain(e.syscalls_per_op)],
    ];
    const ran = ranText(e);
    if (ran) facts.push(['allocator (as run)', ran]);
    const knobs = knobsText(e.allocator_knobs);
    if (knobs) facts.push(['leanmalloc knobs', knobs]);
    if (e.analysis_note) facts.push(['analysis note', e.analysis_note]);
    if (e.host) facts.push(['host', e.host]);
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
