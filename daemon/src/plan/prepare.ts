/**
 * A plan checked before anything runs, in one pass: what the plan says (validate.ts), and what needs
 * the system — each allocator's library is there, each `command` program exists and may be executed,
 * random_mixed accepts each variant's `args` (it checks them itself: `random_mixed --check ARGS...`).
 * Every problem found by any of these comes back in one PlanError, in the order of the plan.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runProcess } from '../exec/index.js';
import { allowedCpus } from '../host/index.js';
import { PlanError, type PlanProblem } from './errors.js';
import { nativePaths, resolveAllocator, resolvePlan, type ResolveOptions, type ResolvedPlan } from './allocators.js';
import { formatPath, inspectPlan, type LocateLine, type PlanPath, type VariantDraft } from './validate.js';
import { NAMED_ALLOCATORS, type Plan } from './types.js';

/** How long random_mixed may take to check its arguments (a loaded machine can be slow to start a process). */
const ARGS_CHECK_TIMEOUT_MS = 20_000;

export interface PrepareOptions extends ResolveOptions {
  locate?: LocateLine;
  /**
   * Look at files the plan names: `command` programs and allocators given as a path (default true).
   * A plan posted over HTTP without --allow-commands may not name them at all; its client is not told
   * whether such files exist.
   */
  checkFiles?: boolean;
  /** PATH used to find a command given by name when its variant's env sets none (default: the daemon's). */
  path?: string;
  /** CPUs a duet may use (default: this process's affinity). */
  cpus?: readonly number[];
}

function problemAt(
  source: string,
  locate: LocateLine | undefined,
  path: PlanPath,
  expected: string,
  got: string,
  hint?: string,
): PlanProblem {
  const p: PlanProblem = { source, path: formatPath(path), expected, got };
  const line = locate?.(path);
  if (line !== undefined) p.line = line;
  if (hint !== undefined) p.hint = hint;
  return p;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where a `command` program would be executed from (like execvp), or why it cannot be. */
export function findProgram(program: string, searchPath: string): { ok: true; file: string } | { ok: false; why: string } {
  const check = (file: string): string | null => {
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch {
      return 'no such file';
    }
    if (!isFile) return 'not a file';
    try {
      accessSync(file, constants.X_OK);
      return null;
    } catch {
      return 'not executable';
    }
  };
  if (program.includes('/')) {
    const why = check(program);
    return why === null ? { ok: true, file: program } : { ok: false, why };
  }
  let why = `not found in PATH (${searchPath})`;
  for (const dir of searchPath.split(delimiter)) {
    const file = join(dir === '' ? '.' : dir, program);
    const problem = check(file);
    if (problem === null) return { ok: true, file };
    if (problem === 'not executable') why = `${file} is not executable`;
  }
  return { ok: false, why };
}

/** One line per bad argument, as random_mixed --check prints them ("random_mixed: --ws expects ..."). */
async function argumentProblems(workload: string, args: readonly string[]): Promise<string[] | { failure: string }> {
  const r = await runProcess({
    command: workload,
    args: ['--check', ...args],
    env: {},
    timeoutMs: ARGS_CHECK_TIMEOUT_MS,
    stderrTailBytes: 64 * 1024,
  });
  if (r.exitCode === 0) return [];
  const lines = r.stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.replace(/^random_mixed: /, ''));
  if (r.exitCode === 2 && lines.length > 0) return lines;
  const how =
    r.killedBy === 'timeout' ? `no answer within ${ARGS_CHECK_TIMEOUT_MS} ms` : (r.spawnError ?? `exit code ${r.exitCode ?? r.signal}`);
  return { failure: `${how}${lines.length > 0 ? `: ${lines.join('; ')}` : ''}` };
}

async function systemProblems(drafts: readonly VariantDraft[], source: string, opts: PrepareOptions): Promise<PlanProblem[]> {
  const at = (path: PlanPath, expected: string, got: string, hint?: string): PlanProblem =>
    problemAt(source, opts.locate, path, expected, got, hint);
  const checkFiles = opts.checkFiles !== false;
  const workload = nativePaths(opts.root).workload;
  const problems: PlanProblem[][] = drafts.map(() => []);
  const pending: Array<Promise<void>> = [];
  let workloadMissing = false;

  for (const d of drafts) {
    const mine = problems[d.index] as PlanProblem[];
    const path = ['variants', d.index];
    const label = d.name === null ? '' : ` for variant ${JSON.stringify(d.name)}`;
    // An optional variant with a missing library is skipped with a warning (resolvePlan), not refused.
    const isPath = d.allocator !== null && !NAMED_ALLOCATORS.includes(d.allocator);
    if (d.allocator !== null && d.optional === false && (checkFiles || !isPath)) {
      const r = resolveAllocator(d.allocator, opts);
      if (!r.ok) mine.push(at([...path, 'allocator'], r.expected, `nothing${label}`, `${r.hint}, or mark the variant optional: true`));
    }
    if (d.command !== null && checkFiles) {
      const program = d.command[0] as string;
      const found = findProgram(program, d.env['PATH'] ?? opts.path ?? process.env.PATH ?? '');
      if (!found.ok) {
        mine.push(
          at(
            [...path, 'command', 0],
            'a program that exists and may be executed (a path, or a name found in PATH)',
            `${JSON.stringify(program)} (${found.why})`,
          ),
        );
      }
    }
    if (d.args !== null) {
      if (!isFile(workload)) {
        if (!workloadMissing)
          mine.push(at(path, `random_mixed at ${workload}`, 'nothing', 'build it with `npm run build` (or `make -C native`)'));
        workloadMissing = true;
        continue;
      }
      if (d.args.length === 0) continue;
      pending.push(
        argumentProblems(workload, d.args).then((found) => {
          if (Array.isArray(found)) {
            for (const line of found) mine.push(at([...path, 'args'], 'arguments random_mixed accepts (see random_mixed --help)', line));
          } else mine.push(at([...path, 'args'], 'random_mixed to check its arguments', found.failure));
        }),
      );
    }
  }
  await Promise.all(pending);
  return problems.flat();
}

/** The worker threads a variant runs: random_mixed's --threads (the last one given; default 1); a command counts as 1. */
export function variantThreads(args: readonly string[] | null): number {
  let threads = 1;
  if (args === null) return threads;
  args.forEach((a, i) => {
    const value = a === '--threads' ? args[i + 1] : a.startsWith('--threads=') ? a.slice('--threads='.length) : undefined;
    if (value !== undefined && /^\d+$/.test(value)) threads = Number(value);
  });
  return threads;
}

/**
 * A duet pins each arm to CPUs of its own: the two arms' threads of every comparison must fit this
 * machine's CPUs, or they would share CPUs and measure each other instead of the allocator.
 */
function duetProblems(plan: Plan | null, drafts: readonly VariantDraft[], source: string, opts: PrepareOptions): PlanProblem[] {
  if (plan === null || plan.mode !== 'duet') return [];
  const cpus = opts.cpus ?? allowedCpus();
  const threadsOf = new Map(drafts.map((d) => [d.name, variantThreads(d.args)]));
  const problems: PlanProblem[] = [];
  plan.comparisons.forEach((cmp, i) => {
    const threads = [threadsOf.get(cmp.baseline) ?? 1, threadsOf.get(cmp.candidate) ?? 1] as const;
    if (threads[0] + threads[1] <= cpus.length) return;
    problems.push(
      problemAt(
        source,
        opts.locate,
        ['comparisons', i],
        `arms whose threads fit the ${cpus.length} CPUs allocsoak may use (${cpus.join(',')}), one CPU per thread`,
        `duet of ${cmp.baseline} (${threads[0]} threads) and ${cmp.candidate} (${threads[1]})`,
        'run it with mode: sequential, or give the variants fewer --threads',
      ),
    );
  });
  return problems;
}

/** Sort key of a problem: document-level, top-level fields, then each variant, comparisons, reference. */
function order(p: PlanProblem): [number, number] {
  const m = /^(variants|comparisons)\[(\d+)\]/.exec(p.path);
  if (m !== null) return [m[1] === 'variants' ? 2 : 3, Number(m[2])];
  if (p.path === '') return [0, 0];
  if (p.path.startsWith('variants')) return [2, -1];
  if (p.path.startsWith('comparisons')) return [3, -1];
  if (p.path.startsWith('reference')) return [4, 0];
  return [1, 0];
}

/** Every problem in plan order; problems of one variant keep the order in which they were found. */
export function sortProblems(problems: readonly PlanProblem[]): PlanProblem[] {
  return problems
    .map((p, i) => ({ p, i, k: order(p) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.p);
}

/**
 * Validates a plan given as a plain object and checks what it names on this system. Throws one
 * PlanError with every problem of the plan.
 */
export async function checkPlan(raw: unknown, source: string, opts: PrepareOptions = {}): Promise<Plan> {
  const inspection = inspectPlan(raw, source, opts.locate);
  const problems = [
    ...inspection.problems,
    ...(await systemProblems(inspection.variants, source, opts)),
    ...duetProblems(inspection.plan, inspection.variants, source, opts),
  ];
  if (problems.length > 0 || inspection.plan === null) throw new PlanError(sortProblems(problems));
  return inspection.plan;
}

/** `checkPlan`, then the allocators resolved (optional variants whose library is missing are skipped). */
export async function preparePlan(raw: unknown, source: string, opts: PrepareOptions = {}): Promise<ResolvedPlan> {
  return resolvePlan(await checkPlan(raw, source, opts), source, opts);
}
