/**
 * Where each variant's series starts (GET /campaigns/:id/series): a variant whose series changed (a new
 * build of its library, other env or arguments, another workload program) starts over, and verdicts count
 * only its current series. One line per variant; the epochs where a series starts are marked in the
 * epoch table (SeriesMarks).
 */
import type { CampaignSeriesResponse } from '../api.js';
import { h, note } from '../dom.js';
import type { SeriesMarks } from './epochs.js';
import { variantLabel } from './common.js';

type VariantSeries = CampaignSeriesResponse['variants'][number];
type Change = NonNullable<VariantSeries['last_change']>;

const short = (sha: string | null): string => (sha === null ? 'none' : sha.slice(0, 12));

/** "allocator library changed (sha256 1a2b3c4d5e6f → 9f8e7d6c5b4a)" */
export function changeText(c: Change): string {
  const parts = c.changed.map((p) =>
    p === 'allocator library' ? `allocator library (sha256 ${short(c.from.allocator_sha256)} → ${short(c.to.allocator_sha256)})` : p,
  );
  return `${parts.join(', ')} changed`;
}

/** One variant's line: new series since when and why, or the series it continues. */
export function seriesLine(v: VariantSeries, campaign: number): string | null {
  if (v.series_sha256 === null || v.first === null) return null;
  const c = v.last_change;
  const count = `${v.epochs} epoch${v.epochs === 1 ? '' : 's'} in it so far (verdicts count the completed ones)`;
  if (c !== null && c.to.series_sha256 === v.series_sha256) {
    // Within this campaign when the old series ran in it too; else since the campaign the new one began in.
    const where =
      c.from.campaign_id === campaign
        ? `within this campaign, from epoch #${c.to.epoch_id}`
        : `since campaign ${c.to.campaign_id} (epoch #${c.to.epoch_id})`;
    const before =
      c.from.campaign_id === campaign ? `epoch #${c.from.epoch_id}` : `campaign ${c.from.campaign_id}, epoch #${c.from.epoch_id}`;
    return `new series ${where}: ${changeText(c)} since ${before}; ${count}`;
  }
  if (v.first.campaign_id === campaign) return `series ${short(v.series_sha256)} begins in this campaign; ${count}`;
  return `same series ${short(v.series_sha256)} since campaign ${v.first.campaign_id} (epoch #${v.first.epoch_id}); ${count}`;
}

export function seriesMarks(s: CampaignSeriesResponse): SeriesMarks {
  const current = new Map<string, string>();
  const starts = new Map<number, string>();
  for (const v of s.variants) {
    if (v.series_sha256 !== null) current.set(v.variant, v.series_sha256);
    if (v.last_change !== null) starts.set(v.last_change.to.epoch_id, `${v.variant}: ${changeText(v.last_change)}`);
  }
  return { current, starts };
}

export function renderSeriesChanges(root: HTMLElement, s: CampaignSeriesResponse): void {
  const items = s.variants.flatMap((v) => {
    const line = seriesLine(v, s.campaign_id);
    if (line === null) return [];
    const changed = v.last_change !== null && v.last_change.to.series_sha256 === v.series_sha256;
    return [
      h(
        'li',
        { 'data-variant': v.variant, 'data-changed': changed ? 'true' : 'false', class: changed ? 'series-changed' : undefined },
        variantLabel(v.variant),
        ': ',
        line,
      ),
    ];
  });
  root.replaceChildren(...(items.length === 0 ? [note('no series yet')] : [h('ul', { class: 'series-list' }, ...items)]));
}
