/**
 * The plan's comparisons with their verdicts and reasons, and every variant's ratio to the reference
 * variant, as /api/v1/compare computes them. When a verdict cannot be had the page says so and why.
 */
import { fetchCompare, type CampaignDetail, type CompareResponse, type RatioEstimate, type Reason } from '../api.js';
import { h, note, table } from '../dom.js';
import { campaignsText, confidenceLevel, MISSING, percent, settleText } from '../../../domain/format.js';
import { badge, clipped, unavailable, variantLabel } from './common.js';
import { judgedOf, type Judged } from '../judged.js';

/** Why a verdict has no ratio: its decisive reason (e.g. too few epochs). */
function whyNoRatio(v: CompareResponse): string {
  return (v.reasons.find((r) => r.decisive) ?? v.reasons[0])?.message ?? v.verdict;
}

function ratioCell(
  v: CompareResponse | string | undefined,
  pick: (v: CompareResponse) => RatioEstimate | null,
  explain: boolean,
): HTMLElement {
  if (typeof v !== 'object') return h('td', { class: 'num muted', title: v ?? '' }, 'not available');
  const r = pick(v);
  if (r) return h('td', { class: 'num' }, ratioText(r), r === v.throughput ? basisNote(v) : '');
  return h('td', { class: 'num muted', title: whyNoRatio(v) }, 'not available', explain ? clipped(whyNoRatio(v), 110, 'div', 'why') : '');
}

/** What the throughput ratio measures, under the ratio. */
function basisNote(v: CompareResponse): HTMLElement | string {
  if (v.throughput === null) return '';
  return h(
    'div',
    { class: 'muted basis', 'data-basis': v.throughput_basis },
    v.throughput_basis === 'cpu' ? 'per CPU-second' : 'per wall-clock second',
  );
}

function ratioText(r: RatioEstimate | null): string {
  if (!r) return 'not available';
  // The interval, or why there is none (as the report and the CLI say it).
  const interval = r.low !== null && r.high !== null ? ` [${percent(r.low)} – ${percent(r.high)}]` : ' (no interval yet: too few epochs)';
  return `${percent(r.ratio)}${interval}`;
}

/** The decisive reasons in full; the others one click away. */
function reasonList(v: CompareResponse): HTMLElement {
  const item = (r: Reason): HTMLElement => h('li', { class: `${r.decisive ? 'decisive' : ''} ${r.status}`.trim() }, r.message);
  const decisive = v.reasons.filter((r) => r.decisive);
  const shown = decisive.length ? decisive : v.reasons.slice(0, 2);
  const others = v.reasons.filter((r) => !shown.includes(r));
  return h(
    'div',
    null,
    h('ul', { class: 'reasons' }, ...shown.map(item)),
    others.length
      ? h(
          'details',
          { class: 'more-reasons' },
          h('summary', null, `${others.length} more reason${others.length > 1 ? 's' : ''}`),
          h('ul', { class: 'reasons' }, ...others.map(item)),
        )
      : '',
  );
}

async function compareSafely(baseline: string, candidate: string, campaign: number): Promise<CompareResponse | string> {
  try {
    return await fetchCompare(baseline, candidate, campaign);
  } catch (err) {
    return unavailable('verdict', err);
  }
}

/** Renders the plan's comparisons; returns when each answer shown was judged. */
export async function renderComparisons(root: HTMLElement, campaign: CampaignDetail): Promise<Judged[]> {
  const comparisons = campaign.plan.comparisons;
  if (comparisons.length === 0) {
    root.replaceChildren(note("This campaign's plan has no comparisons (add `comparisons:` to the plan)."));
    return [];
  }
  const results = await Promise.all(comparisons.map((c) => compareSafely(c.baseline, c.candidate, campaign.id)));
  const rows = comparisons.map((c, i) => {
    const r = results[i];
    const verdictCell =
      typeof r === 'string' || r === undefined
        ? h('td', { class: 'muted' }, r ?? 'not available')
        : h(
            'td',
            null,
            badge(r.verdict),
            r.epochs_needed_per_arm !== null
              ? h(
                  'div',
                  { class: 'muted', 'data-settle': r.settle_at ?? '' },
                  `${settleText({ more: r.epochs_needed_per_arm, seconds: r.settle_seconds, at: r.settle_at })} to settle`,
                )
              : '',
            r.look !== null
              ? h(
                  'div',
                  { class: 'muted' },
                  `adaptive: judged at look ${r.look.index + 1}, ${r.look.n} pairs, ${confidenceLevel(r.look.confidence)} intervals`,
                )
              : '',
            h(
              'div',
              { class: 'muted', 'data-campaigns': r.campaigns.map((x) => x.campaign).join(',') },
              `epochs from ${campaignsText(r.campaigns)}`,
            ),
          );
    const ok = typeof r === 'object';
    return h(
      'tr',
      { 'data-baseline': c.baseline, 'data-candidate': c.candidate, 'data-verdict': ok ? r.verdict : 'unavailable' },
      h('td', null, variantLabel(c.candidate), h('span', { class: 'muted' }, ' vs '), variantLabel(c.baseline)),
      h('td', null, c.goal),
      verdictCell,
      h('td', { class: 'num' }, ok ? ratioText(r.throughput) : MISSING, ok ? basisNote(r) : ''),
      h(
        'td',
        { class: 'num' },
        ok ? ratioText(r.rss_basis === 'held' ? r.rss_held : r.rss_peak) : MISSING,
        ok
          ? h('div', { class: 'muted', 'data-rss-basis': r.rss_basis }, r.rss_basis === 'held' ? 'held (median RSS − LazyFree)' : 'peak')
          : '',
      ),
      h('td', null, ok ? reasonList(r) : ''),
    );
  });
  root.replaceChildren(
    table(
      [
        h('th', null, 'candidate vs baseline'),
        h('th', null, 'goal'),
        h('th', null, 'verdict'),
        h('th', { class: 'num' }, 'throughput ratio'),
        h('th', { class: 'num' }, 'RSS ratio'),
        h('th', null, 'reasons (decisive in bold)'),
      ],
      rows,
    ),
    h(
      'p',
      { class: 'muted' },
      "Judged on each variant's series: its epochs in this campaign and in earlier ones with the same build, env and arguments (a new build starts a new series). Ratios are candidate / baseline (medians), with their confidence intervals; throughput per CPU-second of the workload when every epoch reports its CPU time (a busy host does not move it), else per wall-clock second.",
    ),
  );
  return judgedOf(results);
}

/** Renders every variant's ratios to the reference; returns when each answer shown was judged. */
export async function renderReference(root: HTMLElement, campaign: CampaignDetail): Promise<Judged[]> {
  const ref = campaign.plan.reference;
  if (ref === null) {
    root.replaceChildren(note("not available: this campaign's plan names no reference variant (`reference:` in the plan)."));
    return [];
  }
  const others = campaign.variants.filter((v) => v !== ref);
  const results = await Promise.all(others.map((v) => compareSafely(ref, v, campaign.id)));
  root.replaceChildren(
    table(
      [h('th', null, 'variant'), h('th', { class: 'num' }, `throughput, % of ${ref}`), h('th', { class: 'num' }, `peak RSS, % of ${ref}`)],
      others.map((v, i) => {
        const r = results[i];
        return h(
          'tr',
          { 'data-variant': v },
          h('td', null, variantLabel(v)),
          ratioCell(r, (x) => x.throughput, true),
          ratioCell(r, (x) => x.rss_peak, false),
        );
      }),
    ),
    h(
      'p',
      { class: 'muted' },
      `Reference: `,
      variantLabel(ref),
      '. Values are variant / reference over completed epochs, with confidence intervals.',
    ),
  );
  return judgedOf(results);
}
