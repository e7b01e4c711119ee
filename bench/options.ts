/** Command-line options of `npm run bench` (bench/run.ts). */
import { THROUGHPUT_WORKLOADS, type WorkloadName } from './summary.js';

export const WORKLOAD_NAMES: readonly WorkloadName[] = [...THROUGHPUT_WORKLOADS, 'drain', 'drain_idle', 'xdrain', 'soak'];

export interface BenchOptions {
  /** Repetitions; every repetition runs every allocator once, in a fresh shuffled order. */
  reps: number;
  /** Run time of each random_mixed (single thread) and xthread run, in seconds. */
  seconds: number;
  /** The drain probe and the syscall-counting soak run in the first memReps repetitions only (their
   * figures are memory and syscall counts, far less noisy than timings). */
  memReps: number;
  /** Length of the soak with burst churn, in seconds (bursts of 64 MiB every 3 s, as plans/quick.yaml). */
  soakSeconds: number;
  /** Allocator names to run (null = every installed one). */
  only: string[] | null;
  /** Where the JSON results go (null = bench/results/<timestamp>.json). */
  out: string | null;
  /** Seed of the shuffles (the orders are recorded in the results either way). */
  seed: number;
  /** The libleanmalloc.so to measure (null = native/build/libleanmalloc.so). */
  leanmalloc: string | null;
  /** Workloads to run, in this order within a repetition (the memory probes only in the first memReps). */
  workloads: WorkloadName[];
}

export const USAGE = `usage: npm run bench -- [options]
  --reps N           repetitions; each runs every allocator once, in a shuffled order (default 7)
  --seconds S        run time of each random_mixed and xthread run (default 1)
  --mem-reps N       repetitions (the first N) that also run the drain probe and the syscall soak (default 3;
                     0 = throughput only)
  --soak-seconds S   length of the soak with burst churn under soak-launch --count-syscalls (default 7)
  --only a,b         only these allocators (names as in the table: leanmalloc-speed, leanmalloc-balanced,
                     leanmalloc-lean, glibc, mimalloc, jemalloc, tcmalloc)
  --out FILE         JSON results file (default bench/results/<timestamp>.json)
  --seed N           seed of the run-order shuffles (default: from the clock; recorded in the results)
  --leanmalloc FILE  the libleanmalloc.so to measure (default native/build/libleanmalloc.so), e.g. another
                     worktree's build
  --workloads a,b    only these workloads (default all: ${WORKLOAD_NAMES.join(', ')})
  --help             this text`;

export class OptionError extends Error {}

function positiveNumber(name: string, text: string | undefined, integer: boolean, max: number, allowZero = false): number {
  if (text === undefined || text === '') throw new OptionError(`${name} expects a value`);
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !allowZero) || v > max || (integer && !Number.isInteger(v))) {
    throw new OptionError(
      `${name} expects ${integer ? 'a whole number' : 'a number'} in ${allowZero ? '[0' : '(0'}, ${max}], got '${text}'`,
    );
  }
  return v;
}

/** Parses argv (without node and the script). Throws OptionError naming the option on bad input;
 * returns null for --help. */
export function parseOptions(argv: readonly string[], knownAllocators: readonly string[]): BenchOptions | null {
  const o: BenchOptions = {
    reps: 7,
    seconds: 1,
    memReps: 3,
    soakSeconds: 7,
    only: null,
    out: null,
    seed: Date.now() % 1_000_000_007,
    leanmalloc: null,
    workloads: [...WORKLOAD_NAMES],
  };
  let memRepsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '--help':
      case '-h':
        return null;
      case '--reps':
        o.reps = positiveNumber('--reps', value(), true, 1000);
        break;
      case '--seconds':
        o.seconds = positiveNumber('--seconds', value(), false, 3600);
        break;
      case '--mem-reps':
        o.memReps = positiveNumber('--mem-reps', value(), true, 1000, true);
        memRepsGiven = true;
        break;
      case '--soak-seconds':
        o.soakSeconds = positiveNumber('--soak-seconds', value(), false, 3600);
        break;
      case '--seed':
        o.seed = positiveNumber('--seed', value(), true, Number.MAX_SAFE_INTEGER);
        break;
      case '--out': {
        const v = value();
        if (!v) throw new OptionError('--out expects a file name');
        o.out = v;
        break;
      }
      case '--leanmalloc': {
        const v = value();
        if (!v) throw new OptionError('--leanmalloc expects the path of a libleanmalloc.so');
        o.leanmalloc = v;
        break;
      }
      case '--workloads': {
        const v = value();
        if (!v) throw new OptionError('--workloads expects a comma-separated list of workload names');
        const names = v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '');
        const unknown = names.filter((n) => !(WORKLOAD_NAMES as readonly string[]).includes(n));
        if (unknown.length > 0 || names.length === 0) {
          throw new OptionError(`--workloads: unknown workload '${unknown.join("', '")}' (known: ${WORKLOAD_NAMES.join(', ')})`);
        }
        o.workloads = WORKLOAD_NAMES.filter((n) => names.includes(n));
        break;
      }
      case '--only': {
        const v = value();
        if (!v) throw new OptionError('--only expects a comma-separated list of allocator names');
        const names = v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const unknown = names.filter((n) => !knownAllocators.includes(n));
        if (unknown.length > 0 || names.length === 0) {
          throw new OptionError(`--only: unknown allocator '${unknown.join("', '")}' (known: ${knownAllocators.join(', ')})`);
        }
        o.only = names;
        break;
      }
      default:
        throw new OptionError(`unknown option '${arg}' (see --help)`);
    }
  }
  if (!memRepsGiven) o.memReps = Math.min(o.memReps, o.reps);
  if (o.memReps > o.reps) throw new OptionError(`--mem-reps (${o.memReps}) must not exceed --reps (${o.reps})`);
  return o;
}
