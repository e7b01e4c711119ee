/** Human-readable forms of verdicts (CLI, report) — the same data as the JSON, nothing computed here. */
import { bytes, fmt, type RatioEstimate, type Reason } from '../judgement/index.js';
import type { CompareResult, DriftResult } from '../verdicts/index.js';

const MARK: Record<Reason['status'], string> = { pass: '+', fail: '!', undecided: '?', info: '·' };

export function reasonLine(r: Reason): string {
  return `${MARK[r.status]} ${r.decisive ? '[decisive] ' : ''}${r.message}`;
}

export function ratioText(label: string, e: RatioEstimate | null): string {
  if (e === null) return `${label}: not measured`;
  const conf =
    e.confidence === null ? 'no interval yet' : `${Number((e.confidence * 100).toPrecision(3))} % CI [${fmt(e.low)}, ${fmt(e.high)}]`;
  return `${label}: ${fmt(e.ratio)} (${conf}; ${e.analysis}, ${e.test} p = ${fmt(e.p_value)})`;
}

/**
 * Where a verdict's epochs came from: "campaign 5", or, when a series accumulated across campaigns,
 * "campaigns 3 (4 + 4), 5 (2 + 2)" (baseline + candidate epochs of each).
 */
export function campaignsText(campaigns: CompareResult['campaigns']): string {
  if (campaigns.length === 0) return 'no campaign';
  if (campaigns.length === 1) return `campaign ${(campaigns[0] as CompareResult['campaigns'][number]).campaign}`;
  return `campaigns ${campaigns.map((c) => `${c.campaign} (${c.baseline} + ${c.candidate})`).join(', ')}`;
}

export function compareText(r: CompareResult): string {
  const lines = [
    `${r.baseline} → ${r.candidate}  (goal ${r.goal}, epochs from ${campaignsText(r.campaigns)}, criteria from ${r.criteria_source})`,
    `verdict: ${r.verdict}  (decided by ${r.decided_by})${r.epochs_needed_per_arm !== null ? `  — about ${r.epochs_needed_per_arm} more epochs per arm would likely settle it` : ''}`,
    `epochs: baseline ${r.epochs.baseline.completed} completed${r.epochs.baseline.failed ? `, ${r.epochs.baseline.failed} failed` : ''}; candidate ${r.epochs.candidate.completed} completed${r.epochs.candidate.failed ? `, ${r.epochs.candidate.failed} failed` : ''}; ${r.epochs.pairs} interleaved pairs`,
    ratioText(`throughput candidate/baseline (${r.throughput_basis === 'cpu' ? 'per CPU-second' : 'per wall-clock second'})`, r.throughput),
    ratioText(`peak RSS candidate/baseline${r.goal === 'memory' && r.rss_basis === 'peak' ? ' (judged)' : ''}`, r.rss_peak),
    ratioText(`held RSS candidate/baseline${r.goal === 'memory' && r.rss_basis === 'held' ? ' (judged)' : ''}`, r.rss_held),
    '',
    'reasons:',
    ...r.reasons.map((x) => `  ${reasonLine(x)}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function driftText(d: DriftResult): string {
  const lines = [
    `${d.variant}: ${d.verdict}${d.since ? ` (epochs since ${d.since})` : ''}  leak ${d.leak ? 'yes' : 'no'}, drift ${d.drift ? 'yes' : 'no'}`,
    `median RSS slope ${bytes(d.slope_bytes_per_hour)}/h${d.slope_low !== null && d.slope_high !== null ? ` [${bytes(d.slope_low)}/h, ${bytes(d.slope_high)}/h]` : ' (too few epochs for an interval across epochs)'}; ${d.flagged_epochs} of ${d.epochs.length} epochs over the leak floor`,
    '',
    'epochs:',
    ...d.epochs.map(
      (e) =>
        `  ${String(e.id).padStart(6)}  ${e.started_at}  RSS ${bytes(e.rss_initial_bytes)} → ${bytes(e.rss_final_bytes)}  drift ${fmt(e.rss_drift_pct)} %  slope ${bytes(e.rss_slope_bytes_per_hour)}/h [${bytes(e.rss_slope_low)}/h, ${bytes(e.rss_slope_high)}/h]${e.leak ? '  LEAK' : e.leak_check === 'below_floor' ? '' : `  (${e.leak_check.replace('_', ' ')}: not a leak)`}`,
    ),
    '',
    'reasons:',
    ...d.reasons.map((x) => `  ${reasonLine(x)}`),
  ];
  return `${lines.join('\n')}\n`;
}
