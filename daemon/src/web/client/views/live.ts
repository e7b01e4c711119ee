/**
 * A card per variant with two plots of its latest epoch: RSS over time and ops/s per interval. The
 * running epochs' cards (both arms of a duet round) are refreshed at every poll (live); finished epochs are fetched once.
 */
import { fetchSamples, type Sample, type StatusResponse } from '../api.js';
import { Plot } from '../charts.js';
import { colorOf } from '../colors.js';
import type { ListedEpoch } from '../fields.js';
import { h, note } from '../dom.js';
import { clockTime, duration, MIB, rate, significant } from '../../../domain/format.js';
import { badge, unavailable, variantLabel } from './common.js';

interface Card {
  el: HTMLElement;
  sub: HTMLElement;
  rss: Plot;
  ops: Plot;
  shownEpoch: number | null;
  /** Samples of finished epochs never change: fetched once. */
  finished: boolean;
  /** What is drawn, so a running epoch only fetches the samples after the last one. */
  samples: Sample[];
}

/** One of a card's small plots: a single line in the variant's colour over the epoch's elapsed time. */
function cardPlot(
  card: HTMLElement,
  variant: string,
  p: { name: string; title: string; unit: string; label: string; format: (v: number) => string },
): Plot {
  return new Plot(card, {
    name: `${p.name}:${variant}`,
    title: p.title,
    unit: p.unit,
    x: 'elapsed',
    series: [{ label: p.label, color: colorOf(variant) }],
    format: p.format,
    height: 140,
    legend: false,
  });
}

export class LiveView {
  private cards = new Map<string, Card>();
  private variants: string[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** Rebuild the cards for this campaign's variants. */
  reset(variants: string[]): void {
    for (const c of this.cards.values()) {
      c.rss.destroy();
      c.ops.destroy();
    }
    this.cards.clear();
    this.variants = variants;
    this.root.replaceChildren();
    if (variants.length === 0) {
      this.root.appendChild(note('no epochs yet'));
      return;
    }
    for (const v of variants) {
      const sub = h('div', { class: 'sub' }, 'no epoch yet');
      const el = h(
        'article',
        { class: 'card', 'data-variant': v, style: `border-top-color:${colorOf(v)}` },
        h('h3', null, variantLabel(v)),
        sub,
      );
      this.root.appendChild(el);
      const rss = cardPlot(el, v, { name: 'live-rss', title: 'RSS', unit: 'MiB', label: 'RSS', format: (b) => significant(b) });
      const ops = cardPlot(el, v, {
        name: 'live-ops',
        title: 'Throughput per interval',
        unit: 'ops/s',
        label: 'ops/s',
        format: (x) => rate(x),
      });
      this.cards.set(v, { el, sub, rss, ops, shownEpoch: null, finished: false, samples: [] });
    }
  }

  /**
   * Show each variant's running or latest epoch. `epochs` is the campaign's list (newest first);
   * `running` is the status when the daemon runs an epoch of this campaign.
   */
  async update(epochs: readonly ListedEpoch[], status: StatusResponse | null): Promise<void> {
    // Every epoch in progress: one, or both arms of a duet round.
    const runningNow = status?.current_epochs ?? [];
    await Promise.all(
      this.variants.map(async (v) => {
        const card = this.cards.get(v);
        if (!card) return;
        const running = runningNow.find((e) => e.variant === v) ?? null;
        const isLive = running !== null;
        const latest = epochs.find((e) => e.variant === v && (!isLive || e.id !== running.id)) ?? null;
        const epochId = isLive ? running.id : (latest?.id ?? null);
        if (epochId === null) {
          card.sub.textContent = 'no epoch yet';
          return;
        }
        const known = epochs.find((e) => e.id === epochId) ?? null;
        const finished = !isLive && known !== null && known.outcome !== 'running';
        if (card.shownEpoch === epochId && card.finished && finished) return;
        let samples: Sample[];
        let warmupMs: number;
        try {
          // Same epoch still running: only what came after the last sample drawn.
          const incremental = card.shownEpoch === epochId && !card.finished && card.samples.length > 0;
          const after = incremental ? card.samples[card.samples.length - 1]?.t_ms : undefined;
          const got = await fetchSamples(epochId, after);
          samples = incremental ? [...card.samples, ...got.samples] : got.samples;
          warmupMs = got.warmup_ms;
        } catch (err) {
          card.sub.replaceChildren(h('span', { class: 'error' }, unavailable(`samples of epoch #${epochId}`, err)));
          return;
        }
        card.samples = samples;
        const xs = samples.map((s) => s.t_ms / 1000);
        // x from the workload's start; while the epoch runs, up to its planned end, so progress shows as a growing line.
        const lastX = xs[xs.length - 1] ?? 1;
        const pin: [number, number] = [0, running !== null ? Math.max(running.planned_ms / 1000, lastX) : lastX];
        const shade = warmupMs / 1000;
        card.rss.setShade(shade);
        card.ops.setShade(shade);
        card.rss.setData([xs, samples.map((s) => (s.rss_bytes === null ? null : s.rss_bytes / MIB))], pin);
        card.ops.setData([xs, samples.map((s) => s.ops_per_sec)], pin);
        card.shownEpoch = epochId;
        card.finished = finished;
        card.el.dataset.epoch = String(epochId);
        card.el.dataset.live = String(isLive);
        card.sub.replaceChildren(
          `epoch #${epochId}`,
          running !== null ? `, round ${running.round}` : known ? `, round ${known.round}` : '',
          ' · ',
          isLive ? badge('running') : badge(known?.outcome ?? 'unknown'),
          ' ',
          running !== null
            ? `${duration(running.elapsed_ms)} of ${duration(running.planned_ms)}`
            : `started ${clockTime(known?.started_at)}`,
          ` · ${samples.length} samples`,
        );
      }),
    );
  }
}
