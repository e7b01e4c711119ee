/** Public surface of the judgement: verdicts, leak/drift, reference ratios, criteria. */
export {
  CRITERIA_SPECS,
  GOALS,
  assertValidCriteria,
  criteriaErrors,
  criteriaProblems,
  defaultCriteria,
  resolveCriteria,
} from './criteria.js';
export type { Criteria, CriterionKey, CriterionProblem, CriterionSpec, Goal } from './criteria.js';
export { JUDGED_COLUMNS } from './epochs.js';
export type { JudgedEpoch } from './epochs.js';
export { judgeComparison } from './verdict.js';
export type { ComparisonInput, ComparisonVerdict } from './verdict.js';
export { judgeDrift, withinEpochSlope, epochLeaks } from './leak.js';
export type { DriftVerdict, EpochDrift, RssSample, VariantDrift } from './leak.js';
export { referenceRatios } from './reference.js';
export type { ReferenceRatio } from './reference.js';
export type { RatioEstimate } from './ratio.js';
// The number formats of the reasons' messages, for text that quotes the same numbers.
export { VERDICTS, bytes, fmt } from './types.js';
export type { Reason, VerdictValue } from './types.js';
export { judgeAtLooks, sharedRounds } from './adaptive.js';
export type { LookedVerdict } from './adaptive.js';
export { plannedLooks } from './looks.js';
export type { Look } from './looks.js';
export { stepsToSettle } from './settle.js';
export type { RotationShape, Standing } from './settle.js';
