/** Progress of the running epoch: which variant, how far (elapsed / planned), its last sample, what is next. */
import type { StatusResponse } from '../api.js';
import { errorNote, fill, h, note } from '../dom.js';
import { bytes, clockTime, duration, opsPerSec } from '../../../domain/format.js';
import { variantLabel } from './common.js';

export function renderProgress(
  status: StatusResponse | null,
  statusError: string | null,
  shownCampaign: number | null,
  show: (campaignId: number) => void,
): void {
  if (status === null) {
    fill('progress', statusError ? errorNote(statusError) : note('loading…'));
    return;
  }
  const cur = status.current_epoch;
  const c = status.campaign;
  const campaignLine =
    c !== null
      ? h(
          'p',
          { class: 'muted' },
          `Campaign ${c.name} #${c.id}: ${c.epochs_started} epoch(s) started`,
          c.epochs_total !== null ? ` of ${c.epochs_total}` : ' (continuous)',
          c.next_round_at ? `; next round at ${clockTime(c.next_round_at)}` : '',
          shownCampaign !== null && shownCampaign !== c.id ? ' — ' : '',
          shownCampaign !== null && shownCampaign !== c.id ? showButton(c.id, show) : '',
        )
      : null;
  const storage = storageLine(status.storage);
  if (cur === null) {
    const state = status.state === 'waiting' ? 'waiting for the next scheduled round' : status.state === 'stopping' ? 'stopping' : 'idle';
    const el = fill(
      'progress',
      h(
        'p',
        { class: 'progress-line' },
        h('span', { class: 'big' }, 'No epoch is running'),
        h('span', { class: 'muted' }, `daemon ${state}`),
      ),
      storage,
      campaignLine,
    );
    el.dataset.state = status.state;
    delete el.dataset.variant;
    return;
  }
  const planned = cur.planned_ms;
  const elapsed = cur.elapsed_ms;
  const fraction = planned > 0 ? Math.max(0, Math.min(1, elapsed / planned)) : null;
  const last = cur.last_sample;
  const el = fill(
    'progress',
    h(
      'div',
      { class: 'progress-line' },
      h('span', { class: 'big' }, variantLabel(cur.variant)),
      h('span', null, `epoch #${cur.id}, round ${cur.round}`),
      h(
        'span',
        { class: 'big', 'data-role': 'elapsed' },
        `${duration(elapsed)} of ${duration(planned)}`,
        fraction !== null ? ` (${Math.round(fraction * 100)} %)` : '',
      ),
      last
        ? h('span', null, `last interval: RSS ${bytes(last.rss_bytes, { significant: 3 })}, ${opsPerSec(last.ops_per_sec)}`)
        : h('span', { class: 'muted' }, 'no sample yet'),
      h('span', { class: 'muted' }, status.next_variant ? `next: ${status.next_variant}` : ''),
    ),
    fraction !== null
      ? h(
          'div',
          { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(fraction * 100) },
          h('div', { style: `width:${(fraction * 100).toFixed(1)}%` }),
        )
      : null,
    storage,
    campaignLine,
  );
  el.dataset.state = status.state;
  el.dataset.variant = cur.variant;
  el.dataset.epoch = String(cur.id);
}

/**
 * The daemon's database: while it refuses writes (disk full, I/O error), what failed and that no epoch starts;
 * after it recovered, when (so a failed epoch on the page has its explanation next to it).
 */
function storageLine(storage: StatusResponse['storage']): HTMLParagraphElement | null {
  const e = storage.last_error;
  if (e === null) return null;
  const what = `${e.kind === 'full' ? 'disk full' : 'I/O error'} ${e.what}: ${e.message}`;
  if (!storage.ok) {
    const pending =
      storage.pending_epochs.length > 0 ? ` The end of epoch(s) ${storage.pending_epochs.join(', ')} is kept in memory until then.` : '';
    const p = errorNote(
      `The database refuses writes since ${clockTime(storage.failing_since ?? e.at)} (${what}). ` +
        `The epoch in progress ended as failed; no epoch starts until a write succeeds (free some space).${pending}`,
    );
    p.dataset.role = 'storage';
    return p;
  }
  const p = note(`Storage: ${what} at ${clockTime(e.at)}; writes succeed again since ${clockTime(storage.recovered_at ?? e.at)}.`);
  p.dataset.role = 'storage';
  return p;
}

function showButton(campaignId: number, show: (id: number) => void): HTMLButtonElement {
  const b = h('button', { class: 'link', type: 'button' }, 'show the running campaign');
  b.addEventListener('click', () => show(campaignId));
  return b;
}
