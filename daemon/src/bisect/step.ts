/**
 * Judging one commit's library against the good build: the run's plan with the two libraries (step-plan.ts)
 * run as a duet campaign under the adaptive schedule — as `allocsoak run` runs a plan, with the verdicts'
 * standings choosing the rounds — until the comparison settles or `maxRounds` rounds have run, then judged
 * with `compare` over that campaign.
 *
 * Which epochs the verdict reads: verdicts accumulate a variant's epochs across campaigns when the variant's
 * name and series (library bytes, env, arguments) are the same (docs/judgement.md, "Series"). Every step
 * names its two variants after the run and the step's position in it (`good.b3s2`, `step.b3s2`: run 3,
 * step 2), so a step reads its own rounds only — the good build's earlier steps do not pile up, and the
 * re-test of the culprit's parent is measured afresh rather than read back from its probe. The one
 * exception is deliberate: a step cut by Ctrl-C and run again after `--resume` has the same position and,
 * with the same bytes, continues the rounds it had measured.
 */
import { CampaignController } from '../campaign/index.js';
import { BASIS_LABEL } from '../domain/measures.js';
import type { BisectOutcome } from '../domain/types.js';
import type { RatioEstimate, VerdictValue } from '../judgement/index.js';
import type { Logger } from '../log/index.js';
import type { Plan } from '../plan/index.js';
import type { Store } from '../storage/index.js';
import { comparisonStandings, compare, type CompareResult } from '../verdicts/index.js';
import { stepPlan } from './step-plan.js';

/** Thrown when a step's campaign was stopped by its AbortSignal (Ctrl-C): nothing is stored for the step. */
export class StepAborted extends Error {
  constructor() {
    super('the step was stopped');
    this.name = 'StepAborted';
  }
}

export interface StepContext {
  store: Store;
  /** native/build/soak-launch. */
  launcher: string;
  log: Logger;
  countSyscalls: boolean;
}

export interface StepRequest {
  runId: number;
  /** The step's position in its run (1 for the first step stored): names the variants. */
  ordinal: number;
  /** The run's plan (bisect_runs.plan_json). */
  plan: Plan;
  commit: string;
  goodLibrary: string;
  stepLibrary: string;
  /** At most this many duet rounds (the campaign's epochs per variant). */
  maxRounds: number;
  signal: AbortSignal;
  /** Called when each round's candidate epoch ends (for progress). */
  onRound?: (round: number, outcome: string) => void;
}

/** The verdict of a step, in the figures a bisect step row keeps. */
export interface StepJudgement {
  campaignId: number;
  verdict: VerdictValue;
  /** What `ratio` is of: e.g. "throughput per CPU-second", "held RSS". */
  measure: string;
  ratio: number | null;
  ratioLo: number | null;
  ratioHi: number | null;
  pairs: number;
  outcome: BisectOutcome;
  /** The verdict's deciding reason, in words. */
  reason: string | null;
}

/** The names of a step's variants: unique per run and step (see the file's comment). */
export function stepVariantNames(runId: number, ordinal: number): { good: string; step: string } {
  return { good: `good.b${runId}s${ordinal}`, step: `step.b${runId}s${ordinal}` };
}

/** A verdict as a step's outcome: NO-GO is bad (the change the bisect looks for), GO and NEUTRAL good, INSUFFICIENT unclear. */
export function outcomeOf(verdict: VerdictValue): BisectOutcome {
  if (verdict === 'NO-GO') return 'bad';
  if (verdict === 'INSUFFICIENT') return 'unclear';
  return 'good';
}

/** The ratio the goal judges, and its name: throughput on the verdict's basis (speed), or the judged RSS (memory). */
export function judgedFigures(r: CompareResult): Omit<StepJudgement, 'campaignId' | 'outcome'> {
  let est: RatioEstimate | null;
  let measure: string;
  if (r.goal === 'speed') {
    est = r.throughput;
    measure = `throughput ${BASIS_LABEL[r.throughput_basis]}`;
  } else {
    est = r.rss_basis === 'held' ? r.rss_held : r.rss_peak;
    measure = r.rss_basis === 'held' ? 'held RSS' : 'peak RSS';
  }
  const decisive = r.reasons.find((x) => x.decisive);
  return {
    verdict: r.verdict,
    measure,
    ratio: est?.ratio ?? null,
    ratioLo: est?.low ?? null,
    ratioHi: est?.high ?? null,
    pairs: r.epochs.pairs,
    reason: decisive?.message ?? null,
  };
}

/** Runs and judges one step. Throws StepAborted when stopped by the signal, PlanError when the plan is refused. */
export async function judgeStep(ctx: StepContext, req: StepRequest): Promise<StepJudgement> {
  if (req.signal.aborted) throw new StepAborted();
  const names = stepVariantNames(req.runId, req.ordinal);
  const resolved = await stepPlan(
    req.plan,
    {
      goodName: names.good,
      stepName: names.step,
      goodLibrary: req.goodLibrary,
      stepLibrary: req.stepLibrary,
      name: `bisect ${req.runId} step ${req.ordinal} (${req.commit.slice(0, 12)})`,
    },
    `bisect run ${req.runId}`,
  );
  const { store } = ctx;
  const controller = new CampaignController({
    store,
    launcher: ctx.launcher,
    log: ctx.log,
    countSyscalls: ctx.countSyscalls,
    standings: (id) => comparisonStandings(store, id),
  });
  const onFinished = (e: { variant: string; round: number; outcome: string }): void => {
    if (e.variant === names.step) req.onRound?.(e.round, e.outcome);
  };
  controller.on('epoch-finished', onFinished);
  const onAbort = (): void => void controller.stop();
  req.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (req.signal.aborted) throw new StepAborted();
    const started = controller.start({ resolved, source: `bisect run ${req.runId}`, epochsPerVariant: req.maxRounds });
    await started.done;
    if (req.signal.aborted) throw new StepAborted();
    const result = compare(store, { baseline: names.good, candidate: names.step, campaign: started.id });
    return { campaignId: started.id, ...judgedFigures(result), outcome: outcomeOf(result.verdict) };
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    controller.off('epoch-finished', onFinished);
    await controller.whenIdle();
  }
}
