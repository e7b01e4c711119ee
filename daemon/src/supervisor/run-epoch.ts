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
import { bytes } from '../domain/format.js';
import type { Outcome, Sample } from '../domain/types.js';
import { describeTermination, startProcess, type ProcessResult, type RunningProcess } from '../exec/index.js';
import { checkAllocator, reportedIdentity, type AllocatorIdentity } from './allocator-identity.js';
import { parseLauncherReport, type SyscallCounts } from './launcher-report.js';
import { readProcMemory, resetPeak } from './proc-memory.js';
import { ProtocolValidator, type EndMessage, type SampleMessage } from './protocol.js';

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
  /**
   * The allocator the plan names (leanmalloc, glibc, mimalloc, jemalloc, tcmalloc, or a library's path): the
   * workload must be running it, and leanmalloc with the LEANMALLOC_* settings of `env`, or the epoch ends
   * `failed` naming both (supervisor/allocator-identity.ts). Null or absent: what it runs is recorded, not checked.
   */
  allocator?: string | null;
  /** The variant's env, merged over the daemon's environment. */
  env: Readonly<Record<string, string>>;
  /** Pin the launcher and the workload to these CPUs (an arm of a duet); absent: wherever the kernel puts them. */
  cpus?: readonly number[];
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

/** The reset of the workload's peak (VmHWM) at the first sample at or after the warm-up end. */
export interface PeakReset {
  /** t_ms of the sample after which the peak was reset. */
  t_ms: number;
  /** Why the reset was refused (null: VmHWM now counts from this sample on). */
  refused: string | null;
}

export type EpochOutcome = Exclude<Outcome, 'running' | 'interrupted'>;

export interface EpochResult {
  outcome: EpochOutcome;
  /** Why, for every outcome but completed. */
  reason: string | null;
  /** The workload's exit code / terminating signal (as the launcher reported it). */
  exitCode: number | null;
  signal: string | null;
  /** Last 4 KiB of stderr ('' when nothing was written), for every outcome. */
  stderrTail: string;
  /** Lines written on stderr over the whole epoch. */
  stderrLines: number;
  /** The allocator that served malloc, as the start line reported it or the daemon found it; null when unknown. */
  allocator: AllocatorIdentity | null;
  launcherPid: number | null;
  workloadPid: number | null;
  samples: number;
  /** Counts when the first sample at or after the warm-up end arrived (null if none did). */
  syscallsAtWarmupEnd: SyscallSnapshot | null;
  /** The launcher's last counts (it reports them once more at the end). */
  syscallsFinal: SyscallCounts | null;
  /** The peak reset at the warm-up end (null: no sample reached it, or the workload's pid was unknown). */
  peakReset: PeakReset | null;
  startLine: Record<string, unknown> | null;
  endLine: EndMessage | null;
  durationMs: number;
}

/** How long a workload may overstay the epoch before it is a timeout. */
export function overstayMs(epochMs: number, intervalMs: number): number {
  return Math.max(5000, 3 * intervalMs, 0.05 * epochMs);
}

/**
 * Silence that ends an epoch as timeout: 3 intervals, but never under 5 s. A timeout of the candidate is a
 * NO-GO guardrail, so it must mean a hung workload, not one that a busy shared machine starved for a
 * second: at load 8 on 2 CPUs a duet arm pinned to one CPU was seen silent for over 1 s, which under a 1-s
 * floor turned an A/A calibration campaign into a false NO-GO. A hung allocator is still caught in seconds.
 */
export function stallMs(intervalMs: number): number {
  return Math.max(3 * intervalMs, 5000);
}

/** Why the daemon killed the group; decides the outcome regardless of how the child then died. */
type KillDecision = { outcome: 'timeout' | 'oom' | 'failed' | 'aborted'; reason: string };

/** Longest delay a Node timer can hold (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The RangeErrors of an epoch the supervisor cannot run. */
function checkEpochLength(spec: EpochSpec): void {
  if (!(spec.epochMs > 0) || !(spec.intervalMs > 0))
    throw new RangeError(`runEpoch: epoch and interval must be > 0 ms (got ${spec.epochMs}, ${spec.intervalMs})`);
  if (spec.epochMs + overstayMs(spec.epochMs, spec.intervalMs) > MAX_TIMER_MS) {
    throw new RangeError(`runEpoch: an epoch of ${spec.epochMs} ms is longer than the supervisor supports (about 23 days)`);
  }
}

/** The launcher's arguments (its options, then the workload's command line) and the workload's environment. */
function launcherCommand(spec: EpochSpec): { args: string[]; env: NodeJS.ProcessEnv } {
  const epochSeconds = String(spec.epochMs / 1000);
  const intervalMs = String(Math.round(spec.intervalMs));
  const args = spec.countSyscalls === false ? ['--report-fd', '3'] : ['--count-syscalls', '--report-fd', '3'];
  if (spec.preload !== null) args.push('--preload', spec.preload);
  if (spec.cpus !== undefined) args.push('--cpus', spec.cpus.join(','));
  args.push('--');
  if (spec.workload.kind === 'random_mixed') {
    args.push(spec.workload.program, '--seconds', epochSeconds, '--interval-ms', intervalMs, ...spec.workload.args);
  } else {
    if (spec.workload.argv.length === 0) throw new Error('runEpoch: custom command is empty');
    args.push(...spec.workload.argv);
  }
  const env: NodeJS.ProcessEnv = {
    ...(spec.baseEnv ?? process.env),
    ...spec.env,
    ALLOCSOAK_SECONDS: epochSeconds,
    ALLOCSOAK_INTERVAL_MS: intervalMs,
  };
  return { args, env };
}

/**
 * One epoch's child while it runs: what its lines said so far, and the decision to kill it. Driven by the
 * child's stdout (protocol) and report (fd 3) lines and by the watchdog timers.
 */
class SupervisedEpoch {
  readonly validator = new ProtocolValidator();
  decision: KillDecision | null = null;
  hookError: Error | null = null;
  workloadPid: number | null = null;
  reportedExit: { code: number | null; signal: string | null } | null = null;
  syscallsLatest: SyscallCounts | null = null;
  syscallsAtWarmupEnd: SyscallSnapshot | null = null;
  peakReset: PeakReset | null = null;
  startLine: Record<string, unknown> | null = null;
  private startPid: number | null = null;
  endLine: EndMessage | null = null;
  allocator: AllocatorIdentity | null = null;
  private allocatorChecked = false;
  private prevT = 0;
  private prevOps = 0;
  private child: RunningProcess | undefined;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: EpochSpec,
    private readonly hooks: EpochHooks,
  ) {}

  attach(child: RunningProcess): void {
    this.child = child;
  }

  /** Kills the group for this reason; the first decision is the one that stands. */
  decide(d: KillDecision): void {
    if (this.decision !== null) return;
    this.decision = d;
    clearTimeout(this.stallTimer);
    this.child?.kill(d.outcome);
  }

  /**
   * Starts the watchdogs: silence (no sample for 3 intervals), overstaying the epoch, and the daemon's
   * abort signal. Returns the function that stops them.
   */
  armWatchdogs(): () => void {
    const { spec } = this;
    const stall = stallMs(spec.intervalMs);
    this.stallTimer = setTimeout(
      () => this.decide({ outcome: 'timeout', reason: `no protocol sample for ${stall} ms (3 intervals of ${spec.intervalMs} ms)` }),
      stall,
    );
    const overstay = overstayMs(spec.epochMs, spec.intervalMs);
    const deadlineTimer = setTimeout(
      () => this.decide({ outcome: 'timeout', reason: `still running ${Math.round(overstay)} ms after the ${spec.epochMs} ms epoch` }),
      spec.epochMs + overstay,
    );
    const onAbort = (): void => this.decide({ outcome: 'aborted', reason: 'the daemon was asked to stop' });
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });
    return () => {
      clearTimeout(this.stallTimer);
      clearTimeout(deadlineTimer);
      spec.signal?.removeEventListener('abort', onAbort);
    };
  }

  onStdoutLine(line: string): void {
    if (this.decision !== null) return; // the outcome is settled; what it still prints does not matter
    const parsed = this.validator.accept(line);
    if (!parsed.ok) return this.decide({ outcome: 'failed', reason: `protocol violation: ${parsed.reason}` });
    const m = parsed.message;
    if (m.type === 'start') {
      this.startLine = m.fields;
      this.startPid = m.pid;
      this.checkStartPid();
      this.verifyAllocator();
      return;
    }
    if (m.type === 'end') {
      this.endLine = m;
      clearTimeout(this.stallTimer); // after the end line only the deadline applies
      return;
    }
    this.stallTimer?.refresh();
    const sample = this.sampleOf(m);
    this.snapshotSyscallsAtWarmupEnd(m);
    this.resetPeakAtWarmupEnd(m);
    if (!this.deliver(sample)) return;
    this.enforceRssLimit(sample, m.t_ms);
  }

  /**
   * The daemon reads /proc of the process it started; a start line from another process (a wrapper that
   * runs the workload as its child) would have it measure the wrapper. Checked once both pids are known
   * (the start line and the launcher's report arrive on different pipes, in either order).
   */
  private checkStartPid(): void {
    const { startPid, workloadPid } = this;
    if (startPid === null || workloadPid === null || startPid === workloadPid) return;
    this.decide({
      outcome: 'failed',
      reason:
        `protocol violation: start: "pid" is ${startPid}, but the process allocsoak started and measures is ${workloadPid}; ` +
        'a wrapper must exec the workload instead of running it as a child',
    });
  }

  onReportLine(line: string): void {
    const r = parseLauncherReport(line);
    if (r === null) return;
    if (r.type === 'syscalls') this.syscallsLatest = r.counts;
    else if (r.type === 'exit') this.reportedExit = { code: r.code, signal: r.signal };
    else if (r.type === 'launched') {
      this.workloadPid = r.pid;
      this.checkStartPid();
      this.verifyAllocator();
      const launcherPid = this.child?.pid;
      if (launcherPid !== undefined) {
        try {
          this.hooks.onLaunched?.({ launcherPid, workloadPid: r.pid });
        } catch (err) {
          this.hookError = err instanceof Error ? err : new Error(String(err));
          this.decide({ outcome: 'aborted', reason: `the daemon failed to record the launch: ${(err as Error).message}` });
        }
      }
    }
  }

  /**
   * Once the start line is in (the workload runs its own code, its libraries loaded): what serves malloc,
   * and a `failed` decision when it is not what the plan asks. A check that reads /proc waits for the pid.
   */
  private verifyAllocator(): void {
    if (this.allocatorChecked || this.startLine === null || this.decision !== null) return;
    const { spec } = this;
    const expect = spec.allocator ? { allocator: spec.allocator, library: spec.preload, env: spec.env } : null;
    const check = checkAllocator(expect, this.startLine, this.workloadPid);
    if (!check.done) return;
    this.allocatorChecked = true;
    this.allocator = check.identity;
    if (check.mismatch !== null) this.decide({ outcome: 'failed', reason: check.mismatch });
  }

  /** A protocol sample with the workload's memory, read once from /proc. */
  private sampleOf(m: SampleMessage): Sample {
    const mem = this.workloadPid === null ? null : readProcMemory(this.workloadPid);
    const dt = m.t_ms - this.prevT;
    const sample: Sample = {
      t_ms: m.t_ms,
      ops: m.ops,
      ops_per_sec: dt > 0 ? ((m.ops - this.prevOps) * 1000) / dt : null,
      rss_bytes: mem?.rss_bytes ?? null,
      hwm_bytes: mem?.hwm_bytes ?? null,
      rss_anon_bytes: mem?.rss_anon_bytes ?? null,
      pss_bytes: mem?.pss_bytes ?? null,
      lazyfree_bytes: mem?.lazyfree_bytes ?? null,
      cpu_ms: m.cpu_ms,
      counters: m.counters,
    };
    this.prevT = m.t_ms;
    this.prevOps = m.ops;
    return sample;
  }

  /** The launcher's counts when the first sample at or after the warm-up end arrives. */
  private snapshotSyscallsAtWarmupEnd(m: SampleMessage): void {
    if (this.syscallsAtWarmupEnd === null && m.t_ms >= this.spec.warmupMs && this.syscallsLatest !== null) {
      this.syscallsAtWarmupEnd = { t_ms: m.t_ms, ops: m.ops, counts: { ...this.syscallsLatest } };
    }
  }

  /**
   * At the first sample at or after the warm-up end (its memory already read), resets the workload's VmHWM,
   * so that VmHWM at later samples is the true peak of the measured part, bursts between samples included.
   */
  private resetPeakAtWarmupEnd(m: SampleMessage): void {
    if (this.peakReset !== null || m.t_ms < this.spec.warmupMs || this.workloadPid === null) return;
    const r = resetPeak(this.workloadPid);
    this.peakReset = { t_ms: m.t_ms, refused: r.ok ? null : r.reason };
  }

  /** Hands the sample to the daemon; false when the daemon failed to record it (the epoch is then aborted). */
  private deliver(sample: Sample): boolean {
    try {
      this.hooks.onSample?.(sample);
      return true;
    } catch (err) {
      this.hookError = err instanceof Error ? err : new Error(String(err));
      this.decide({ outcome: 'aborted', reason: `the daemon failed to record a sample: ${(err as Error).message}` });
      return false;
    }
  }

  private enforceRssLimit(sample: Sample, tMs: number): void {
    const limit = this.spec.rssLimitBytes;
    if (limit !== null && sample.rss_bytes !== null && sample.rss_bytes > limit) {
      this.decide({
        outcome: 'oom',
        reason: `RSS ${bytes(sample.rss_bytes)} above rss_limit ${bytes(limit)} at t=${tMs} ms`,
      });
    }
  }

  /** The epoch's result once the launcher has exited. */
  result(proc: ProcessResult): EpochResult {
    // How the workload ended: the launcher's word when it gave one, else the launcher's own status
    // (it mirrors the workload's exit and re-raises its signal).
    const ended: { code: number | null; signal: string | null } = this.reportedExit ?? { code: proc.exitCode, signal: proc.signal };
    const outcome = classify(this.decision, proc, ended, this.validator);
    return {
      outcome: outcome.outcome,
      reason: outcome.reason,
      exitCode: ended.code,
      signal: ended.signal,
      stderrTail: proc.stderrTail,
      stderrLines: proc.stderrLines,
      // Unchecked (the epoch ended first, or the pid never came): what the start line said, if anything.
      allocator: this.allocatorChecked || this.startLine === null ? this.allocator : reportedIdentity(this.startLine),
      launcherPid: proc.pid ?? null,
      workloadPid: this.workloadPid,
      samples: this.validator.samples,
      syscallsAtWarmupEnd: this.syscallsAtWarmupEnd,
      syscallsFinal: this.syscallsLatest,
      peakReset: this.peakReset,
      startLine: this.startLine,
      endLine: this.endLine,
      durationMs: proc.durationMs,
    };
  }
}

export async function runEpoch(spec: EpochSpec, hooks: EpochHooks = {}): Promise<EpochResult> {
  checkEpochLength(spec);
  const { args, env } = launcherCommand(spec);
  const epoch = new SupervisedEpoch(spec, hooks);
  const child = startProcess({
    command: spec.launcher,
    args,
    env,
    extraPipes: 1,
    onStdoutLine: (line) => epoch.onStdoutLine(line),
    onStdoutOverlong: (n) => epoch.decide({ outcome: 'failed', reason: `protocol violation: a stdout line of ${n} bytes (limit 64 KiB)` }),
    onPipeLine: (_fd, line) => epoch.onReportLine(line),
    killGraceMs: spec.killGraceMs,
  });
  epoch.attach(child);
  const disarm = epoch.armWatchdogs();
  let proc: ProcessResult;
  try {
    proc = await child.result;
  } finally {
    disarm();
  }
  if (epoch.hookError !== null) throw epoch.hookError;
  return epoch.result(proc);
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
