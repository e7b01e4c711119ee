/**
 * What `daemon` and `run` share before the first epoch: load and resolve the plan (errors → exit 2),
 * open the store, turn epochs left `running` by a killed daemon into `interrupted`, check the native
 * launcher is built.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import { loadPlanFile, nativePaths, resolvePlan, type Plan, type ResolvedPlan } from '../plan/index.js';
import { openStore, type Store } from '../storage/index.js';
import { probeSyscallCounting } from '../supervisor/index.js';
import { UsageError } from './args.js';
import { lockDatabase } from './db-lock.js';

/** The plan, validated and with its allocators resolved. Throws PlanError (exit 2). */
export function loadResolvedPlan(file: string, log: Logger, override?: (plan: Plan) => Plan): ResolvedPlan {
  const plan = loadPlanFile(file);
  const resolved = resolvePlan(override ? override(plan) : plan, file);
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

export interface DaemonStore {
  store: Store;
  /** Close the database and release its lock. */
  close(): void;
}

/** Lock the database for this process (see db-lock.ts), open and migrate it, recover cut epochs. */
export function openStoreForDaemon(file: string, log: Logger): DaemonStore {
  const lock = lockDatabase(file);
  let store: Store;
  try {
    store = openStore(file);
  } catch (err) {
    lock.release();
    throw err;
  }
  if (store.migration && store.migration.applied.length > 0) log.info({ db: file, applied: store.migration.applied }, 'database migrated');
  const interrupted = store.epochs.markRunningInterrupted();
  if (interrupted > 0) log.warn({ db: file, epochs: interrupted }, 'epochs left running by a previous daemon marked interrupted');
  return {
    store,
    close: () => {
      store.close();
      lock.release();
    },
  };
}
