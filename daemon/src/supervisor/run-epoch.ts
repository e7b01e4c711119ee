/**
 * One epoch: one supervised child running a variant's workload for the epoch length.
 *
 * The child is the native launcher (soak-launch), which counts the workload's memory syscalls and
 * reports them on fd 3; the workload itself speaks the protocol on stdout. For every protocol sample
 * the workload's memory is read once from /proc and handed to hooks.onSample. A watchdog turns
 * silence (no sample for 3 intervals) or overstaying (well past the epoch end) into `timeout`; RSS over
 * the limit into `oom`. The daemon does no polling of its own: all work is driven by the child's lines
 * and by two timers, so the workload under measurement is left alone.
 */
import type { Outcome, Sample } from '../domain/types.js';
import { describeTermination, startProcess, type ProcessResult } from '../exec/process.js';
import { parseLauncherReport, type SyscallCounts } from './launcher-report.js';
import { readProcMemory } from './proc-memory.js';
import { ProtocolValidator, type EndMessage } from './protocol.js';

export type EpochWorkload =
  /** random_mixed: the daemon adds --seconds and --interval-ms, then the variant's args. */
  | { kind: 'random_mixed'; program: string; args: readonly string[] }
  /** Any program speaking the protocol; it learns the epoch from ALLOCSOAK_SECONDS / ALLOCSOAK_INTERVAL_MS. */
  | { kind: 'command'; argv: readonly string[] };

export interface EpochSpec {
  /** Path of native/build/soak-launch. */
  launcher: string;
  workload: EpochWorkload;
  /** Library to LD_PRELOAD into the workload only (null: the system allocator). */
  preload: string | null;
  /** The variant's env, merged over the daemon's environment. */
  env: Readonly<Record<string, string>>;
  epochMs: number;
  intervalMs: number;
  warmupMs: number;
  /** RSS above this many bytes kills the workload: outcome `oom`. */
  rssLimitBytes: number | null;
  /** Aborting (daemon stopping) kills the group: outcome `aborted`. */
  signal?: AbortSignal;
  /** SIGTERM → SIGKILL grace when the daemon kills the group (default 2 s). */
  killGraceMs?: number;
  /** Environment the variant's env is merged over (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Count memory syscalls through the launcher (default true; false where it cannot trace, see syscall-probe). */
  countSyscalls?: boolean;
}

export interface EpochLaunch {
  launcherPid: number;
  workloadPid: number;
}

export interface EpochHooks {
  /** The workload runs (its pid came from the launcher). */
  onLaunched?(launch: EpochLaunch): void;
  /** One interval sample; called synchronously in arrival order (store it durably here). */
  onSample?(sample: Sample): void;
}

/** Syscall counts at a point of the epoch, with the protocol position they belong to. */
export interface SyscallSnapshot {
  t_ms: number;
  ops: number;
  counts: SyscallCounts;
}

export type EpochOutcome = Exclude<Outcome, 'running' | 'interrupted'>;

export interface EpochResult {
  outcome: EpochOutcome;
  /** Why, for every outcome but completed. */
  reason: string | null;
  /** The workload's exit code / terminating signal (as the launcher reported it). */
  exitCode: number | null;
  signal: string | null;
  /** Last 4 KiB of stderr, for every outcome but completed. */
  stderrTail: string | null;
  launcherPid: number | null;
  workloadPid: number | null;
  samples: number;
  /** Counts when the first sample at or after the warm-up end arrived (null if none did). */
  syscallsAtWarmupEnd: SyscallSnapshot | null;
  /** The launcher's last counts (it reports them once more at the end). */
  syscallsFinal: SyscallCounts | null;
  startLine: Record<string, unknown> | null;
  endLine: EndMessage | null;
  durationMs: number;
}

/** How long a workload may overstay the epoch before it is a timeout. */
export function overstayMs(epochMs: number, intervalMs: number): number {
  return Math.max(5000, 3 * intervalMs, 0.05 * epochMs);
}

/** Silence that ends an epoch as timeout: 3 intervals, but never under 1 s (process start-up on a busy machine). */
export function stallMs(intervalMs: number): number {
  return Math.max(3 * intervalMs, 1000);
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** Why the daemon killed the group; decides the outcome regardless of how the child then died. */
type KillDecision = { outcome: 'timeout' | 'oom' | 'failed' | 'aborted'; reason: string };

/** Longest delay a Node timer can hold (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function runEpoch(spec: EpochSpec, hooks: EpochHooks = {}): Promise<EpochResult> {
  if (!(spec.epochMs > 0) || !(spec.intervalMs > 0))
    throw new RangeError(`runEpoch: epoch and interval must be > 0 ms (got ${spec.epochMs}, ${spec.intervalMs})`);
  if (spec.epochMs + overstayMs(spec.epochMs, spec.intervalMs) > MAX_TIMER_MS) {
    throw new RangeError(`runEpoch: an epoch of ${spec.epochMs} ms is longer than the supervisor supports (about 23 days)`);
  }
  const epochSeconds = String(spec.epochMs / 1000);
  const intervalMs = String(Math.round(spec.intervalMs));
  const launcherArgs = spec.countSyscalls === false ? ['--report-fd', '3'] : ['--count-syscalls', '--report-fd', '3'];
  if (spec.preload !== null) launcherArgs.push('--preload', spec.preload);
  launcherArgs.push('--');
  if (spec.workload.kind === 'random_mixed') {
    launcherArgs.push(spec.workload.program, '--seconds', epochSeconds, '--interval-ms', intervalMs, ...spec.workload.args);
  } else {
    if (spec.workload.argv.length === 0) throw new Error('runEpoch: custom command is empty');
    launcherArgs.push(...spec.workload.argv);
  }
  const env: NodeJS.ProcessEnv = {
    ...(spec.baseEnv ?? process.env),
    ...spec.env,
    ALLOCSOAK_SECONDS: epochSeconds,
    ALLOCSOAK_INTERVAL_MS: intervalMs,
  };

  const validator = new ProtocolValidator();
  let decision: KillDecision | null = null;
  let hookError: Error | null = null;
  let workloadPid: number | null = null;
  let reportedExit: { code: number | null; signal: string | null } | null = null;
  let syscallsLatest: SyscallCounts | null = null;
  let syscallsAtWarmupEnd: SyscallSnapshot | null = null;
  let startLine: Record<string, unknown> | null = null;
  let startPid: number | null = null;
  let endLine: EndMessage | null = null;
  let prevT = 0;
  let prevOps = 0;

  // Forward declarations: the timers and the child refer to each other.
  let stallTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  const decide = (d: KillDecision): void => {
    if (decision !== null) return;
    decision = d;
    clearTimeout(stallTimer);
    child.kill(d.outcome);
  };

  // The daemon reads /proc of the process it started; a start line from another process (a wrapper that
  // runs the workload as its child) would have it measure the wrapper. Checked once both pids are known.
  const checkStartPid = (): void => {
    if (startPid === null || workloadPid === null || startPid === workloadPid) return;
    decide({
      outcome: 'failed',
      reason:
        `protocol violation: start: "pid" is ${startPid}, but the process allocsoak started and measures is ${workloadPid}; ` +
        'a wrapper must exec the workload instead of running it as a child',
    });
  };

  const onStdoutLine = (line: string): void => {
    if (decision !== null) return; // the outcome is settled; what it still prints does not matter
    const parsed = validator.accept(line);
    if (!parsed.ok) return decide({ outcome: 'failed', reason: `protocol violation: ${parsed.reason}` });
    const m = parsed.message;
    if (m.type === 'start') {
      startLine = m.fields;
      startPid = m.pid;
      checkStartPid();
      return;
    }
    if (m.type === 'end') {
      endLine = m;
      clearTimeout(stallTimer); // after the end line only the deadline applies
      return;
    }
    stallTimer?.refresh();
    const mem = workloadPid === null ? null : readProcMemory(workloadPid);
    const dt = m.t_ms - prevT;
    const sample: Sample = {
      t_ms: m.t_ms,
      ops: m.ops,
      ops_per_sec: dt > 0 ? ((m.ops - prevOps) * 1000) / dt : null,
      rss_bytes: mem?.rss_bytes ?? null,
      hwm_bytes: mem?.hwm_bytes ?? null,
      rss_anon_bytes: mem?.rss_anon_bytes ?? null,
      pss_bytes: mem?.pss_bytes ?? null,
      lazyfree_bytes: mem?.lazyfree_bytes ?? null,
      cpu_ms: m.cpu_ms,
      counters: m.counters,
    };
    prevT = m.t_ms;
    prevOps = m.ops;
    if (syscallsAtWarmupEnd === null && m.t_ms >= spec.warmupMs && syscallsLatest !== null) {
      syscallsAtWarmupEnd = { t_ms: m.t_ms, ops: m.ops, counts: { ...syscallsLatest } };
    }
    try {
      hooks.onSample?.(sample);
    } catch (err) {
      hookError = err instanceof Error ? err : new Error(String(err));
      return decide({ outcome: 'aborted', reason: `the daemon failed to record a sample: ${(err as Error).message}` });
    }
    if (spec.rssLimitBytes !== null && sample.rss_bytes !== null && sample.rss_bytes > spec.rssLimitBytes) {
      decide({
        outcome: 'oom',
        reason: `RSS ${formatBytes(sample.rss_bytes)} above rss_limit ${formatBytes(spec.rssLimitBytes)} at t=${m.t_ms} ms`,
      });
    }
  };

  const onReportLine = (_fd: number, line: string): void => {
    const r = parseLauncherReport(line);
    if (r === null) return;
    if (r.type === 'syscalls') syscallsLatest = r.counts;
    else if (r.type === 'exit') reportedExit = { code: r.code, signal: r.signal };
    else if (r.type === 'launched') {
      workloadPid = r.pid;
      checkStartPid();
      if (child.pid !== undefined) {
        try {
          hooks.onLaunched?.({ launcherPid: child.pid, workloadPid: r.pid });
        } catch (err) {
          hookError = err instanceof Error ? err : new Error(String(err));
          decide({ outcome: 'aborted', reason: `the daemon failed to record the launch: ${(err as Error).message}` });
        }
      }
    }
  };

  const child = startProcess({
    command: spec.launcher,
    args: launcherArgs,
    env,
    extraPipes: 1,
    onStdoutLine,
    onStdoutOverlong: (n) => decide({ outcome: 'failed', reason: `protocol violation: a stdout line of ${n} bytes (limit 64 KiB)` }),
    onPipeLine: onReportLine,
    killGraceMs: spec.killGraceMs,
  });

  const stall = stallMs(spec.intervalMs);
  stallTimer = setTimeout(
    () => decide({ outcome: 'timeout', reason: `no protocol sample for ${stall} ms (3 intervals of ${spec.intervalMs} ms)` }),
    stall,
  );
  const overstay = overstayMs(spec.epochMs, spec.intervalMs);
  // eslint-disable-next-line prefer-const -- declared above so that decide() can clear it before it exists
  deadlineTimer = setTimeout(
    () => decide({ outcome: 'timeout', reason: `still running ${Math.round(overstay)} ms after the ${spec.epochMs} ms epoch` }),
    spec.epochMs + overstay,
  );
  const onAbort = (): void => decide({ outcome: 'aborted', reason: 'the daemon was asked to stop' });
  if (spec.signal?.aborted) onAbort();
  else spec.signal?.addEventListener('abort', onAbort, { once: true });

  let proc: ProcessResult;
  try {
    proc = await child.result;
  } finally {
    clearTimeout(stallTimer);
    clearTimeout(deadlineTimer);
    spec.signal?.removeEventListener('abort', onAbort);
  }
  // Assigned in callbacks, which the compiler's narrowing cannot see.
  const failedHook = hookError as Error | null;
  if (failedHook !== null) throw failedHook;

  // How the workload ended: the launcher's word when it gave one, else the launcher's own status
  // (it mirrors the workload's exit and re-raises its signal).
  const ended: { code: number | null; signal: string | null } = reportedExit ?? { code: proc.exitCode, signal: proc.signal };
  const outcome = classify(decision, proc, ended, validator);
  return {
    outcome: outcome.outcome,
    reason: outcome.reason,
    exitCode: ended.code,
    signal: ended.signal,
    stderrTail: outcome.outcome === 'completed' ? null : proc.stderrTail,
    launcherPid: proc.pid ?? null,
    workloadPid,
    samples: validator.samples,
    syscallsAtWarmupEnd,
    syscallsFinal: syscallsLatest,
    startLine,
    endLine,
    durationMs: proc.durationMs,
  };
}

/** Exit codes the launcher uses for its own failures (see soak_launch.c). */
const LAUNCHER_CODES: Record<number, string> = {
  125: ' (the launcher failed; see stderr)',
  127: ' (the program could not be executed; see stderr)',
};

function classify(
  decision: KillDecision | null,
  proc: ProcessResult,
  ended: { code: number | null; signal: string | null },
  validator: ProtocolValidator,
): { outcome: EpochOutcome; reason: string | null } {
  if (decision !== null) return decision;
  if (proc.spawnError !== null) return { outcome: 'failed', reason: `the launcher ${describeTermination(proc)}` };
  if (ended.signal !== null) {
    const who = ended.signal === 'SIGKILL' ? ' (not sent by allocsoak: the kernel OOM killer or another process)' : '';
    return { outcome: 'crashed', reason: `killed by ${ended.signal}${who}` };
  }
  if (ended.code !== 0)
    return { outcome: 'failed', reason: `exit code ${ended.code ?? 'unknown'}${LAUNCHER_CODES[ended.code ?? -1] ?? ''}` };
  const missing = validator.missingAtExit();
  if (missing !== null) return { outcome: 'failed', reason: `protocol violation: ${missing}` };
  return { outcome: 'completed', reason: null };
}
