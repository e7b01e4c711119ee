/**
 * Every epoch of the campaign with its outcome; one click shows an epoch's details and stderr tail. The
 * columns are the registry's `epochTable` fields (fields.ts).
 */
import { fetchEpoch, type EpochDetail } from '../api.js';
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

export function renderEpochs(root: HTMLElement, epochs: readonly ListedEpoch[]): void {
  if (epochs.length === 0) {
    root.replaceChildren(note('no epochs yet'));
    return;
  }
  const outcomes = new Map<string, number>();
  for (const e of epochs) outcomes.set(e.outcome, (outcomes.get(e.outcome) ?? 0) + 1);
  const rows = epochs.slice(0, MAX_ROWS).map((e) => {
    const failed = e.outcome !== 'completed' && e.outcome !== 'running';
    const button = h('button', { class: 'link', type: 'button', 'data-epoch': e.id }, failed ? 'stderr tail' : 'details');
    button.addEventListener('click', () => void showEpoch(e.id));
    return h(
      'tr',
      { 'data-epoch': e.id, 'data-outcome': e.outcome },
      ...EPOCH_TABLE.map((c) =>
        h(
          'td',
          { class: c.numeric ? 'num' : undefined, 'data-col': c.field },
          RICH[c.field]?.(e) ?? formatField(c.unit, e[c.field], 'compact'),
        ),
      ),
      h('td', null, button),
    );
  });
  root.replaceChildren(
    h('p', null, ...[...outcomes].flatMap(([o, n]) => [badge(`${n} ${o}`, o), ' '])),
    h(
      'div',
      { class: 'table-scroll' },
      table([...EPOCH_TABLE.map((c) => h('th', { class: c.numeric ? 'num' : undefined }, c.header)), h('th', null, '')], rows),
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
