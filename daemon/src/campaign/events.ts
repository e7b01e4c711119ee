/**
 * What the campaign loop tells the rest of the daemon (live metrics, the web page, the CLI progress
 * line). Listeners run synchronously inside the loop: keep them cheap, never throw.
 */
import type { EpochAnalysis } from '../domain/epoch-fields.js';
import type { CampaignStatus, Sample } from '../domain/types.js';
import type { EpochOutcome } from '../supervisor/index.js';

export interface CampaignStartedEvent {
  campaign_id: number;
  name: string;
  source: string;
  variants: string[];
  epochs_per_variant: number | null;
  /** true when an interrupted campaign (daemon killed) was taken up again. */
  resumed: boolean;
}

/** Which epoch an event is about, and where it stands in its campaign. */
export interface EpochSlotFields {
  epoch_id: number;
  campaign_id: number;
  variant: string;
  round: number;
  /** 0-based slot of the epoch in its campaign, and the campaign's total (null: continuous). */
  index: number;
  total: number | null;
}

export interface EpochStartedEvent extends EpochSlotFields {
  started_at: string;
  planned_ms: number;
  warmup_ms: number;
  interval_ms: number;
}

export interface EpochLaunchedEvent {
  epoch_id: number;
  campaign_id: number;
  variant: string;
  workload_pid: number;
}

export interface SampleEvent {
  epoch_id: number;
  campaign_id: number;
  variant: string;
  sample: Sample;
}

export interface EpochFinishedEvent extends EpochSlotFields {
  outcome: EpochOutcome;
  reason: string | null;
  ended_at: string;
  /** The stored analysis (null if it could not be computed). */
  analysis: EpochAnalysis | null;
}

export interface CampaignFinishedEvent {
  campaign_id: number;
  status: Exclude<CampaignStatus, 'running'>;
}

/** Event map for EventEmitter<CampaignEvents>. */
export interface CampaignEvents {
  'campaign-started': [CampaignStartedEvent];
  'epoch-started': [EpochStartedEvent];
  'epoch-launched': [EpochLaunchedEvent];
  sample: [SampleEvent];
  'epoch-finished': [EpochFinishedEvent];
  'campaign-finished': [CampaignFinishedEvent];
}
