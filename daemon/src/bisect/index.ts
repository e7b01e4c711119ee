/** `allocsoak bisect`: the first commit that changed an allocator's speed or memory, judged in duet steps. */
export { nextStep, outcomesOf, progress } from './search.js';
export type { Outcomes, SearchState } from './search.js';
export { git, GitError, repositoryRoot, resolveCommit, isAncestor, listRange, firstParent, subjectOf, worktrees } from './git.js';
export { buildCommit, BuildAborted, cachedLibrary, libraryPathProblem, removeStaleWorktrees, DEFAULT_BUILD_TIMEOUT_MS } from './build.js';
export type { BuildRequest, BuildResult } from './build.js';
export {
  BISECT_CRITERIA,
  bisectPlan,
  checkBisectPlan,
  defaultBisectPlan,
  stepPlan,
  templateVariant,
  DEFAULT_BISECT_PLAN,
} from './step-plan.js';
export { judgeStep, judgedFigures, outcomeOf, stepVariantNames, StepAborted } from './step.js';
export type { StepContext, StepJudgement, StepRequest } from './step.js';
export { cacheDirOf, createBisectRun, runBisect } from './run.js';
export type { BisectContext } from './run.js';
export { evidenceTable, evidenceText, ratioText } from './text.js';
