/**
 * `allocsoak run`: one finite campaign in the foreground — N epochs per variant, interleaved —
 * then a summary table. A `run` cut by a kill -9 is taken up again by the same command line.
 */
import { CampaignController } from '../../campaign/index.js';
import { createLogger } from '../../log/index.js';
import { formatDuration, parseDuration, type Plan } from '../../plan/index.js';
import { isAdaptive } from '../../domain/types.js';
import { comparisonStandings, judgePlanComparisons } from '../../verdicts/index.js';
import { helpText, parseOrHelp, positiveInt, UsageError, type OptionSpecs } from '../args.js';
import { attachTtyProgress } from '../progress.js';
import { handleShutdownSignals } from '../shutdown.js';
import { openStoreForDaemon } from '../database.js';
import { launcherPath, loadResolvedPlan, syscallCountingOrWarn } from '../setup.js';
import { failedEpochsText, summaryTable, verdictsText } from '../summary.js';

const OPTIONS = {
  plan: { type: 'string', value: 'FILE', description: 'soak plan (YAML)', required: true },
  db: { type: 'string', value: 'FILE', description: 'SQLite database file (created if missing)', required: true },
  epochs: {
    type: 'string',
    value: 'N',
    description: 'epochs per variant (a duet: rounds per comparison; adaptive: at most)',
    default: '1',
  },
  epoch: { type: 'string', value: 'DURATION', description: "epoch length instead of the plan's (e.g. 30s, 5m)" },
} satisfies OptionSpecs;

export const RUN_HELP = helpText(
  'allocsoak run --plan FILE --db FILE [--epochs N] [--epoch DURATION]',
  'Run one finite campaign in the foreground: N epochs per variant, interleaved round-robin (A B C A B C ...),\n' +
    "with a live progress line on a terminal, then a summary table. The plan's cron schedule is ignored;\n" +
    'under `schedule: adaptive` the rounds go to comparisons still open and the campaign ends when all have settled.\n' +
    'SIGTERM/SIGINT stop the workload, store the epoch as aborted and exit 0.',
  OPTIONS,
);

function overrideEpoch(raw: string | undefined): ((plan: Plan) => Plan) | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (ms === null || ms <= 0)
    throw new UsageError(`run: option --epoch expects a duration such as 30s, 5m or 1h, got ${JSON.stringify(raw)}`);
  return (plan) => {
    if (plan.warmup_ms >= ms) {
      throw new UsageError(`run: option --epoch ${raw} must be longer than the plan's warmup (${formatDuration(plan.warmup_ms)})`);
    }
    if (plan.interval_ms >= ms) {
      throw new UsageError(`run: option --epoch ${raw} must be longer than the plan's interval (${formatDuration(plan.interval_ms)})`);
    }
    return { ...plan, epoch_ms: ms };
  };
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('run', argv, OPTIONS, RUN_HELP);
  if (opts === undefined) return 0;
  const epochsPerVariant = positiveInt('run', 'epochs', opts.epochs);
  const override = overrideEpoch(opts.epoch);
  const tty = process.stdout.isTTY === true;
  // On a terminal the progress line tells the story; the log only speaks up for problems.
  const log = createLogger({ level: process.env.ALLOCSOAK_LOG_LEVEL ?? (tty ? 'warn' : 'info') });
  const resolved = await loadResolvedPlan(opts.plan, log, (plan) => {
    // `run` is a foreground campaign: it starts now, whatever the plan's cron schedule says (the adaptive
    // schedule is no time of day: it chooses the rounds, and stops when every comparison has settled).
    const p = { ...plan, schedule: isAdaptive(plan) ? plan.schedule : null };
    return override ? override(p) : p;
  });
  const launcher = launcherPath();
  const countSyscalls = await syscallCountingOrWarn(launcher, log);
  const db = openStoreForDaemon('run', opts.db, log);
  const store = db.store;
  const controller = new CampaignController({ store, launcher, log, countSyscalls, standings: (id) => comparisonStandings(store, id) });
  const detach = tty ? attachTtyProgress(controller, { out: process.stdout, epochsPerVariant }) : () => {};

  let stopping = false;
  const removeHandlers = handleShutdownSignals({
    log,
    stop: async () => {
      stopping = true;
      await controller.stop();
      await controller.whenIdle();
    },
    done: () => {}, // the main flow below finishes and returns 0
  });
  try {
    const started = controller.start({ resolved, source: opts.plan, epochsPerVariant });
    if (started.resumed) log.warn({ campaign: started.id }, 'resuming the unfinished campaign of this plan');
    const status = await started.done;
    detach();
    const epochs = store.epochs.listRows({ campaign: started.id }).reverse();
    process.stdout.write(`\ncampaign ${started.id} (${resolved.plan.name}) ${status}\n\n`);
    process.stdout.write(
      summaryTable(
        resolved.variants.map((v) => v.name),
        epochs,
      ),
    );
    for (const text of [failedEpochsText(epochs), verdictsText(judgePlanComparisons(store, started.id))])
      if (text !== '') process.stdout.write(`\n${text}`);
    return 0;
  } catch (err) {
    detach();
    if (stopping) return 0;
    throw err;
  } finally {
    removeHandlers();
    db.close();
  }
}
