/** Human-readable forms of verdicts (CLI, report) — the same data as the JSON, nothing computed here. */
import { driftFigure } from '../domain/measures.js';
import { bytes, fmt, type RatioEstimate, type Reason } from '../judgement/index.js';
import { campaignsText, confidenceLevel, settleText } from '../domain/format.js';
import type { CompareResult, DriftResult } from '../verdicts/index.js';

const MARK: Record<Reason['status'], string> = { pass: '+', fail: '!', undecided: '?', info: '·' };

export function reasonLine(r: Reason): string {
  return `${MARK[r.status]} ${r.decisive ? '[decisive] ' : ''}${r.message}`;
}

export function ratioText(label: string, e: RatioEstimate | null): string {
  if (e === null) return `${label}: not measured`;
  const conf = e.confidence === null ? 'no interval yet' : `${confidenceLevel(e.confidence)} CI [${fmt(e.low)}, ${fmt(e.high)}]`;
  return `${label}: ${fmt(e.ratio)} (${conf}; ${e.analysis}, ${e.test} p = ${fmt(e.p_value)})`;
}

export function compareText(r: CompareResult): string {
  const lines = [
    `${r.baseline} → ${r.candidate}  (goal ${r.goal}, epochs from ${campaignsText(r.campaigns)}, criteria from ${r.criteria_source})`,
    `verdict: ${r.verdict}  (decided by ${r.decided_by})${r.epochs_needed_per_arm !== null ? `  — ${settleText({ more: r.epochs_needed_per_arm, seconds: r.settle_seconds, at: r.settle_at })} would likely settle it` : ''}${r.look === null ? '' : `; judged at look ${r.look.index + 1} (${r.look.n} pairs, ${confidenceLevel(r.look.confidence)} intervals)`}`,
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

/** yes / no / undecided for one of the drift judgement's questions (undecided when a reason on it is). */
function threeState(d: DriftResult, flagged: boolean, criteria: readonly string[]): string {
  if (flagged) return 'yes';
  return d.reasons.some((r) => r.status === 'undecided' && criteria.includes(r.criterion)) ? 'undecided' : 'no';
}

export function driftText(d: DriftResult): string {
  const undecided = d.reasons.filter((r) => r.status === 'undecided').map((r) => r.message);
  const lines = [
    `${d.variant}: ${d.verdict}${d.since ? ` (epochs since ${d.since})` : ''}  leak ${threeState(d, d.leak, ['leak_floor_bytes_per_hour', 'epochs'])}, ` +
      `drift ${threeState(d, d.drift, ['drift_max_pct', 'epochs'])}`,
    ...(d.verdict === 'UNDECIDED' ? [`undecided because: ${undecided.join('; ')}`] : []),
    `${driftFigure(d.drift_pct)} (judged)`,
    `median RSS slope ${bytes(d.slope_bytes_per_hour)}/h${d.slope_low !== null && d.slope_high !== null ? ` [${bytes(d.slope_low)}/h, ${bytes(d.slope_high)}/h]` : ' (too few epochs for an interval across epochs)'}; ${d.flagged_epochs} of ${d.epochs.length} epochs surely over the leak floor`,
    '',
    'epochs (held drift is judged; endpoint drift, first to last sample, is not):',
    ...d.epochs.map(
      (e) =>
        `  ${String(e.id).padStart(6)}  ${e.started_at}  RSS ${bytes(e.rss_initial_bytes)} → ${bytes(e.rss_final_bytes)}  held drift ${fmt(e.rss_held_drift_pct)} %  endpoint drift ${fmt(e.rss_drift_pct)} %  slope ${bytes(e.rss_slope_bytes_per_hour)}/h [${bytes(e.rss_slope_low)}/h, ${bytes(e.rss_slope_high)}/h]${e.leak ? '  LEAK' : e.leak_check === 'below_floor' ? '' : `  (${e.leak_check.replace('_', ' ')}: not a leak)`}`,
    ),
    '',
    'reasons:',
    ...d.reasons.map((x) => `  ${reasonLine(x)}`),
  ];
  return `${lines.join('\n')}\n`;
}
