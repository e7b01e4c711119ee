/** Verdicts over the stored epochs: the one place that reads the store for the judgement. */
export { compare, comparisonStandings, drift, judgePlanComparisons, standingsOf } from './service.js';
export type { CompareRequest, CompareResult, DriftRequest, DriftResult } from './service.js';
export { judgeCampaign } from './campaign.js';
export type { CampaignJudgement } from './campaign.js';
export { history } from './history.js';
export type { BuildChange, BuildMeasure, ChangeKind, HistoryBuild, HistoryRequest, HistoryResult, MemoryChange } from './history.js';
export { VerdictReader } from './reader.js';
export type { Judged, PlanComparisons, Served, ServedAnswer } from './reader.js';
