/**
 * The verdicts' part of the report (through the report's extension seam): the ratio of every variant to
 * the plan's reference, a leak column, and sections with each comparison's verdict and reasons, the
 * reference ratios with intervals, and each variant's leak/drift judgement. Judged by `judgeCampaign`,
 * from the same functions as GET /compare and /drift and the verdict gauge; only the prose is made here.
 */
import { bytes, fmt, resolveCriteria, type RatioEstimate, type ReferenceRatio, type VariantDrift } from '../judgement/index.js';
import { campaignsText, MISSING } from '../domain/format.js';
import { driftFigure } from '../domain/measures.js';
import type { Store } from '../storage/index.js';
import { judgeCampaign, type CompareResult, type DriftResult } from '../verdicts/index.js';
import type { ReportData } from './data.js';
import type { ReportExtension, ReportSection } from './extensions.js';
import { table } from './markdown.js';
import { reasonLine } from './verdict-text.js';

/** What the report shows of a comparison: the verdict, without where its campaign and criteria came from. */
type ReportedComparison = Omit<CompareResult, 'campaign' | 'criteria_source'>;

interface Judged {
  comparisons: ReportedComparison[];
  reference: Map<string, ReferenceRatio>;
  drift: Map<string, VariantDrift>;
}

const NOTHING_JUDGED: Judged = { comparisons: [], reference: new Map(), drift: new Map() };

function reportedComparison({ campaign: _c, criteria_source: _s, ...verdict }: CompareResult): ReportedComparison {
  return verdict;
}

function variantDrift({ since: _s, ...d }: DriftResult): VariantDrift {
  return d;
}

function judge(store: Store, data: ReportData): Judged {
  if (data.campaign === null) return NOTHING_JUDGED;
  const names = data.variants.map((v) => v.name);
  const j = judgeCampaign(store, data.campaign.id, names);
  return {
    comparisons: j.comparisons.map(reportedComparison),
    reference: new Map(j.reference.map((r) => [r.variant, r])),
    drift: new Map(j.drift.map((d) => [d.variant, variantDrift(d)])),
  };
}

/** "value [low, high]", or the value alone while there are too few epochs for an interval. */
function withInterval(value: string, low: string | null, high: string | null): string {
  return low === null || high === null ? `${value} (no interval yet)` : `${value} [${low}, ${high}]`;
}

function pctOfReference(e: RatioEstimate | null | undefined): string | null {
  if (!e) return null;
  if (e.low === 1 && e.high === 1 && e.ratio === 1) return '100 %';
  const p = (v: number | null): string | null => (v === null ? null : (v * 100).toFixed(2));
  return withInterval(`${p(e.ratio)} %`, p(e.low), p(e.high));
}

function ratio(e: RatioEstimate | null): string {
  if (!e) return MISSING;
  return withInterval(fmt(e.ratio), e.low === null ? null : fmt(e.low), e.high === null ? null : fmt(e.high));
}

function verdictSection(j: Judged): ReportSection {
  const rows = j.comparisons.map((v) => [
    `${v.baseline} → ${v.candidate}`,
    v.goal,
    `**${v.verdict}**`,
    v.decided_by,
    `${ratio(v.throughput)} ${v.throughput_basis === 'cpu' ? 'per CPU-s' : 'wall'}`,
    `${ratio(v.rss_basis === 'held' ? v.rss_held : v.rss_peak)} ${v.rss_basis}`,
    v.epochs_needed_per_arm === null ? MISSING : String(v.epochs_needed_per_arm),
  ]);
  const parts: string[] = [];
  if (j.comparisons.length === 0) parts.push('The plan has no comparison between variants that ran.');
  else {
    parts.push(
      table(
        [
          'comparison',
          'goal',
          'verdict',
          'decided by',
          'throughput ratio (95 % CI), basis',
          'RSS ratio (95 % CI), peak or held',
          'more epochs per arm',
        ],
        rows,
      ),
    );
    for (const v of j.comparisons) {
      parts.push('');
      parts.push(`### ${v.baseline} → ${v.candidate}: ${v.verdict}`);
      parts.push('');
      parts.push(`Epochs from ${campaignsText(v.campaigns)}.`);
      parts.push('');
      for (const r of v.reasons) parts.push(`- ${reasonLine(r).replace(/^([+!?·]) /, '$1 ')}`);
    }
  }
  return { key: 'verdicts', title: 'Verdicts', markdown: parts.join('\n'), data: j.comparisons };
}

function referenceSection(data: ReportData, j: Judged): ReportSection | null {
  const ref = data.plan?.reference;
  if (!ref || j.reference.size === 0) return null;
  const rows = [...j.reference.values()].map((r) => [
    r.variant,
    String(r.completed_epochs),
    pctOfReference(r.throughput) ?? MISSING,
    pctOfReference(r.rss_peak) ?? MISSING,
    r.variant === r.reference || !r.throughput ? MISSING : r.throughput.analysis,
    r.throughput_basis === 'cpu' ? 'per CPU-s' : 'wall',
  ]);
  return {
    key: 'reference',
    title: `Ratio to the reference (${ref})`,
    markdown: `Every variant's throughput and peak RSS as a percentage of ${ref}'s, Hodges–Lehmann estimate with its 95 % interval. Throughput per CPU-second of the workload where every epoch of the variant and of ${ref} reports CPU time, else per wall-clock second (column basis).\n\n${table(['variant', 'completed epochs', 'throughput', 'peak RSS', 'analysis', 'basis'], rows)}`,
    data: [...j.reference.values()],
  };
}

function driftSection(j: Judged): ReportSection {
  const rows = [...j.drift.values()].map((d) => [
    d.variant,
    `**${d.verdict}**`,
    `${d.flagged_epochs}/${d.epochs.length}`,
    d.slope_bytes_per_hour === null
      ? MISSING
      : withInterval(
          `${bytes(d.slope_bytes_per_hour)}/h`,
          d.slope_low === null ? null : `${bytes(d.slope_low)}/h`,
          d.slope_high === null ? null : `${bytes(d.slope_high)}/h`,
        ),
    driftFigure(d.drift_pct),
    d.series.change_point === null ? MISSING : `${d.series.change_point.flagged ? 'step ' : ''}p = ${fmt(d.series.change_point.p_value)}`,
  ]);
  const floor = resolveCriteria('speed').leak_floor_bytes_per_hour;
  return {
    key: 'drift',
    title: 'Leaks and drift',
    markdown:
      `An epoch leaks when the lower bound of its RSS slope exceeds ${bytes(floor)}/h. The drift judged is held memory's (RSS − LazyFree along its robust line over the epoch, which a burst does not move), not the endpoints' (first to last sample); across epochs, the trend and change point of 1 + that drift. CLEAN when every check passed, UNDECIDED when one could not tell (the reasons say what would decide; docs/judgement.md).\n\n` +
      table(
        ['variant', 'judgement', 'epochs surely over the floor', 'median RSS slope (95 % CI)', 'drift judged (95 % CI)', 'change point'],
        rows,
      ),
    data: [...j.drift.values()].map(({ reasons: _r, ...rest }) => rest),
  };
}

/** The verdicts' columns and sections of the report of a campaign of `store`. */
export function verdictReportExtension(store: Store): ReportExtension {
  const cache = new WeakMap<ReportData, Judged>();
  const judged = (data: ReportData): Judged => {
    let j = cache.get(data);
    if (j === undefined) {
      j = judge(store, data);
      cache.set(data, j);
    }
    return j;
  };
  return {
    name: 'judgement',
    variantColumns: [
      {
        key: 'throughput_vs_reference',
        header: 'throughput vs reference',
        value: (v, data) => pctOfReference(judged(data).reference.get(v.name)?.throughput),
      },
      {
        key: 'rss_peak_vs_reference',
        header: 'peak RSS vs reference',
        value: (v, data) => pctOfReference(judged(data).reference.get(v.name)?.rss_peak),
      },
      { key: 'leak', header: 'leak and drift', value: (v, data) => judged(data).drift.get(v.name)?.verdict ?? null },
    ],
    sections(data) {
      if (data.plan === null) return [];
      const j = judged(data);
      const out = [verdictSection(j)];
      const ref = referenceSection(data, j);
      if (ref) out.push(ref);
      out.push(driftSection(j));
      return out;
    },
  };
}
