/**
 * `allocsoak bisect`: the first commit between a good and a bad revision that made an allocator slower
 * (goal speed) or hungrier (goal memory), each step built in a temporary worktree and judged against the
 * good build in duet rounds until its verdict settles. Progress on stdout; Ctrl-C stores the run as
 * interrupted and `--resume` takes it up again. docs/bisect.md.
 */
import { dirname, resolve } from 'node:path';
import { destination } from 'pino';
import {
  bisectPlan,
  checkBisectPlan,
  createBisectRun,
  DEFAULT_BUILD_TIMEOUT_MS,
  isAncestor,
  libraryPathProblem,
  listRange,
  repositoryRoot,
  resolveCommit,
  runBisect,
} from '../../bisect/index.js';
import { COMPARISON_GOALS, formatDuration, loadPlanFile, parseDuration, type Plan } from '../../plan/index.js';
import { createLogger } from '../../log/index.js';
import type { BisectRunRecord, Store } from '../../storage/index.js';
import { helpText, oneOf, parseOrHelp, positiveInt, UsageError, type OptionSpecs } from '../args.js';
import { openStoreForDaemon } from '../database.js';
import { launcherPath, syscallCountingOrWarn } from '../setup.js';
import { handleShutdownSignals } from '../shutdown.js';

const OPTIONS = {
  repo: { type: 'string', value: 'DIR', description: 'the git repository (its work tree is never touched)' },
  good: { type: 'string', value: 'REV', description: 'a revision known to be good (an ancestor of --bad)' },
  bad: { type: 'string', value: 'REV', description: 'a revision known to be bad' },
  build: { type: 'string', value: 'CMD', description: 'the build command, run with sh -c in each commit’s temporary worktree' },
  library: { type: 'string', value: 'PATH', description: 'the library the build produces, relative to the work tree' },
  goal: { type: 'string', value: 'speed|memory', description: 'what got worse: speed (throughput) or memory (RSS)' },
  plan: {
    type: 'string',
    value: 'FILE',
    description: 'a plan whose workload, epoch, warmup and interval every step runs (default: the built-in one, docs/bisect.md)',
  },
  db: { type: 'string', value: 'FILE', description: 'SQLite database file (created if missing)', required: true },
  'max-rounds': {
    type: 'string',
    value: 'N',
    description: 'duet rounds per step at most, if its verdict has not settled before',
    default: '40',
  },
  'build-timeout': {
    type: 'string',
    value: 'DURATION',
    description: 'limit on one build (e.g. 90s, 10m)',
    default: formatDuration(DEFAULT_BUILD_TIMEOUT_MS),
  },
  resume: {
    type: 'string',
    value: '[ID]',
    description: 'take up an interrupted run (default: the latest) with its own settings, instead of starting one',
  },
} satisfies OptionSpecs;

export const BISECT_HELP = helpText(
  'allocsoak bisect --repo DIR --good REV --bad REV --build CMD --library PATH --goal speed|memory --db FILE\n' +
    '                        [--plan FILE] [--max-rounds N] [--build-timeout DURATION]\n' +
    '       allocsoak bisect --db FILE --resume [ID] [--max-rounds N] [--build-timeout DURATION]',
  'Find the first commit between --good and --bad that made the library slower (or hold more memory). Each\n' +
    'commit is built in a temporary worktree and judged against the good build in duet rounds until the verdict\n' +
    'settles: NO-GO is bad, GO or NEUTRAL good, INSUFFICIENT unclear; a commit that does not build is skipped.\n' +
    'The culprit is confirmed by re-testing its parent. A range whose bad end is not shown worse ends with\n' +
    "'no change found'. Every run and step is stored in the database. Ctrl-C (SIGINT/SIGTERM) stops the step in\n" +
    'progress, removes its worktree, stores the run as interrupted and exits 130; --resume continues it.\n' +
    'Exit status: 0 the run ended (found, no change, inconclusive), 1 it failed, 2 bad arguments, 130 interrupted.',
  OPTIONS,
);

/** A word as a shell reads it back. */
function shellWord(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `--resume` may come without a value: it is given one ("latest") before the options are parsed. */
function withResumeValue(argv: readonly string[]): string[] {
  return argv.map((a, i) => (a === '--resume' && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--')) ? '--resume=latest' : a));
}

interface NewRunInputs {
  repo: string;
  good: string;
  bad: string;
  goodSha: string;
  badSha: string;
  build: string;
  library: string;
  goal: 'speed' | 'memory';
  plan: Plan;
}

/** Every input of a new run checked, before anything is created (errors name the option). */
async function checkNewRun(opts: Record<string, string | boolean | undefined>): Promise<NewRunInputs> {
  for (const name of ['repo', 'good', 'bad', 'build', 'library', 'goal'] as const) {
    if (opts[name] === undefined) throw new UsageError(`bisect: option --${name} ${OPTIONS[name].value} is required (unless --resume)`);
  }
  const dir = opts.repo as string;
  const repo = await repositoryRoot(dir);
  if (repo === null)
    throw new UsageError(`bisect: option --repo expects a git repository, got ${JSON.stringify(dir)} (not a git work tree)`);
  const goal = oneOf('bisect', 'goal', opts.goal as string, COMPARISON_GOALS);
  const library = opts.library as string;
  const libProblem = libraryPathProblem(library);
  if (libProblem !== null)
    throw new UsageError(
      `bisect: option --library expects the library's path relative to the work tree, got ${JSON.stringify(library)} (${libProblem})`,
    );
  const good = opts.good as string;
  const bad = opts.bad as string;
  const goodSha = await resolveCommit(repo, good);
  if (goodSha === null)
    throw new UsageError(`bisect: option --good expects a revision of ${repo}, got ${JSON.stringify(good)} (it names no commit there)`);
  const badSha = await resolveCommit(repo, bad);
  if (badSha === null)
    throw new UsageError(`bisect: option --bad expects a revision of ${repo}, got ${JSON.stringify(bad)} (it names no commit there)`);
  if (goodSha === badSha)
    throw new UsageError(
      `bisect: option --bad expects a later commit than --good, got ${JSON.stringify(bad)} (the same commit ${goodSha.slice(0, 10)})`,
    );
  if (!(await isAncestor(repo, goodSha, badSha))) {
    throw new UsageError(
      `bisect: option --good expects an ancestor of --bad, got ${JSON.stringify(good)} (${goodSha.slice(0, 10)} is not an ancestor of ${badSha.slice(0, 10)})`,
    );
  }
  const user = opts.plan === undefined ? null : loadPlanFile(opts.plan as string);
  const plan = bisectPlan(user, goal);
  await checkBisectPlan(plan, typeof opts.plan === 'string' ? opts.plan : 'the built-in bisect plan');
  return { repo, good, bad, goodSha, badSha, build: opts.build as string, library, goal, plan };
}

/** The run `--resume` names (or the latest interrupted one), checked. */
function runToResume(store: Store, db: string, value: string): BisectRunRecord {
  const resumable = (r: BisectRunRecord): boolean => r.status === 'interrupted' || r.status === 'running';
  if (value === 'latest') {
    const latest = store.bisects.list(1000).find(resumable);
    if (latest === undefined) throw new UsageError(`bisect: option --resume finds no interrupted run in ${db}`);
    return latest;
  }
  const id = positiveInt('bisect', 'resume', value);
  const run = store.bisects.get(id);
  if (run === undefined) throw new UsageError(`bisect: option --resume expects the id of a bisect run in ${db}, got ${id} (no such run)`);
  if (!resumable(run)) throw new UsageError(`bisect: option --resume expects an interrupted run, got ${id} (it ended: ${run.status})`);
  return run;
}

export async function bisectCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('bisect', withResumeValue(argv), OPTIONS, BISECT_HELP);
  if (opts === undefined) return 0;
  const maxRounds = positiveInt('bisect', 'max-rounds', opts['max-rounds']);
  const buildTimeoutMs = parseDuration(opts['build-timeout']);
  if (buildTimeoutMs === null || buildTimeoutMs <= 0) {
    throw new UsageError(
      `bisect: option --build-timeout expects a duration such as 90s or 10m, got ${JSON.stringify(opts['build-timeout'])}`,
    );
  }
  if (opts.resume !== undefined) {
    const given = (['repo', 'good', 'bad', 'build', 'library', 'goal', 'plan'] as const).filter((k) => opts[k] !== undefined);
    if (given.length > 0)
      throw new UsageError(`bisect: option --resume takes the run's own settings; drop ${given.map((k) => `--${k}`).join(', ')}`);
  }
  const inputs = opts.resume === undefined ? await checkNewRun(opts) : null;
  // The progress lines tell the story on stdout; the log (stderr) only speaks up for problems.
  const log = createLogger({ level: process.env.ALLOCSOAK_LOG_LEVEL ?? 'warn', destination: destination(2), pretty: false });
  const launcher = launcherPath();
  const db = openStoreForDaemon('bisect', opts.db, log);
  const store = db.store;
  let runId: number;
  try {
    if (inputs === null) {
      const run = runToResume(store, opts.db, opts.resume as string);
      runId = run.id;
      store.bisects.reopen(runId);
    } else {
      const commits = await listRange(inputs.repo, inputs.goodSha, inputs.badSha);
      runId = createBisectRun(
        { store },
        {
          repo: inputs.repo,
          good: inputs.good,
          bad: inputs.bad,
          build_command: inputs.build,
          library: inputs.library,
          goal: inputs.goal,
          plan: inputs.plan,
          commits,
        },
      );
    }
  } catch (err) {
    // A bad --resume leaves nothing behind (a database it created is removed again).
    if (err instanceof UsageError) db.discard();
    else db.close();
    throw err;
  }
  const countSyscalls = await syscallCountingOrWarn(launcher, log);
  const abort = new AbortController();
  let flow: Promise<BisectRunRecord> | null = null;
  const removeHandlers = handleShutdownSignals({
    log,
    hardLimitMs: 20_000,
    stop: async () => {
      abort.abort();
      await flow?.catch(() => undefined);
    },
    done: () => {}, // the flow below ends the run as interrupted and returns 130
  });
  try {
    flow = runBisect(
      {
        store,
        launcher,
        log,
        countSyscalls,
        out: (line) => process.stdout.write(`${line}\n`),
        signal: abort.signal,
        buildTimeoutMs,
        maxRounds,
        cacheRoot: dirname(resolve(opts.db)),
      },
      runId,
    );
    const run = await flow;
    if (run.status === 'interrupted') {
      process.stdout.write(`continue with: allocsoak bisect --db ${shellWord(opts.db)} --resume ${run.id}\n`);
      return 130;
    }
    return run.status === 'failed' ? 1 : 0;
  } finally {
    removeHandlers();
    db.close();
  }
}
