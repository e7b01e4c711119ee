/**
 * What `daemon` and `run` share before the first epoch: load and check the plan (errors → exit 2),
 * check the native launcher is built and whether syscalls can be counted. The database: database.ts.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import { loadPlan, nativePaths, type Plan, type ResolvedPlan } from '../plan/index.js';
import { probeSyscallCounting } from '../supervisor/index.js';
import { UsageError } from './args.js';

/**
 * The plan, checked (every problem at once, libraries, commands and random_mixed's arguments included)
 * and with its allocators resolved. Throws PlanError (exit 2).
 */
export async function loadResolvedPlan(file: string, log: Logger, override?: (plan: Plan) => Plan): Promise<ResolvedPlan> {
  const loaded = await loadPlan(file);
  const resolved = override ? { ...loaded, plan: override(loaded.plan) } : loaded;
  for (const w of resolved.warnings) log.warn({ plan: file }, w);
  if (resolved.variants.length === 0) throw new UsageError(`${file}: no variant can run (every one was skipped)`);
  return resolved;
}

export function launcherPath(): string {
  const launcher = nativePaths().launcher;
  if (!existsSync(launcher)) throw new Error(`the launcher ${launcher} is missing: build it with \`npm run build\``);
  return launcher;
}

/**
 * Whether epochs can count memory syscalls here (see supervisor/syscall-probe.ts). When they cannot, say why
 * once, loudly, and run without: a soak without syscalls per op beats a soak whose every epoch fails.
 */
export async function syscallCountingOrWarn(launcher: string, log: Logger): Promise<boolean> {
  const probe = await probeSyscallCounting(launcher);
  if (probe.ok) return true;
  log.warn(
    { reason: probe.reason },
    'memory syscall counting is not possible here (seccomp + ptrace refused; in a container, its seccomp or AppArmor profile): epochs run without it and syscalls_per_op stays empty',
  );
  return false;
}
