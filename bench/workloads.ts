/**
 * The measurements of one allocator in one repetition. Each returns what it measured, or an error
 * string saying why the run does not count (it is then left out of every median, and listed).
 *
 * - random_mixed, single thread: ops/s, and peak RSS = ru_maxrss of the workload (rusage-run).
 * - xthread: ops/s of two threads handing blocks to each other, and its own VmHWM.
 * - medium: random_mixed with 200 slots of 16–256 KiB blocks: ops/s and peak RSS.
 * - xthread_medium: xthread with 20 KB blocks (every free a cross-thread free of a medium block).
 * - largebuf: 20 buffers of 5–25 MiB replaced at random, each zero-filled (malloc-large's shape).
 * - alloctest, alloctest2: alloc-test's shape (5–1024 B, 2^18 slots picked by an 80/20 law, every
 *   byte written and read), one thread and two: ops/s and the program's own VmHWM.
 * - drain: RSS and RSS − LazyFree at 0, 0.5, 1, 2, 3 s after a 256 MiB burst is freed, and its VmHWM;
 *   with a trickle of 4 malloc/free per ms afterwards (drain), or none at all (drain_idle); xdrain:
 *   the burst allocated by two threads that exit before main frees it, then idle.
 * - soak: random_mixed with burst churn under `soak-launch --count-syscalls`: memory syscalls per op.
 */
import path from 'node:path';
import type { Allocator } from './allocators.js';
import { runChild, type ChildResult } from './child.js';

export interface Programs {
  randomMixed: string;
  soakLaunch: string;
  xthread: string;
  drain: string;
  largebuf: string;
  alloctest: string;
  rusageRun: string;
}

export function programs(buildDir: string): Programs {
  return {
    randomMixed: path.join(buildDir, 'random_mixed'),
    soakLaunch: path.join(buildDir, 'soak-launch'),
    xthread: path.join(buildDir, 'bench', 'xthread'),
    drain: path.join(buildDir, 'bench', 'drain'),
    largebuf: path.join(buildDir, 'bench', 'largebuf'),
    alloctest: path.join(buildDir, 'bench', 'alloctest'),
    rusageRun: path.join(buildDir, 'bench', 'rusage-run'),
  };
}

export type Measured<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface ThroughputResult {
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  /** Peak RSS of the workload process in KiB. */
  peakRssKb: number;
  /** ops per second of CPU time (user + sys of all threads, whole process from exec to exit, from
   * rusage-run): much less sensitive than ops/s to the time a loaded machine keeps the process waiting.
   * For xthread it includes the time a thread spins briefly waiting for the other (before it yields). */
  opsPerCpuSec: number | null;
  counters: Record<string, unknown>;
}

export interface DrainPoint {
  afterDrainMs: number;
  rssKb: number;
  lazyFreeKb: number | null;
  rssMinusLazyFreeKb: number | null;
}

export interface DrainResult {
  points: DrainPoint[];
  peakRssKb: number;
  rssBeforeFreeKb: number;
  burstBytes: number;
  freeMs: number;
  counters: Record<string, unknown>;
}

export interface SoakResult {
  ops: number;
  elapsedMs: number;
  bursts: number;
  syscalls: Record<string, number>;
  syscallsTotal: number;
  syscallsPerOp: number;
  counters: Record<string, unknown>;
}

const SOAK_BURST_MB = 64;
const SOAK_BURST_EVERY_S = 3;

function envOf(a: Allocator): Record<string, string> {
  return a.preload ? { ...a.env, LD_PRELOAD: a.preload } : { ...a.env };
}

function numberField(line: Record<string, unknown> | undefined, field: string): number | null {
  const v = line?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Checks the protocol frame (start first, end last) and that the start line names the expected
 * allocator (and leanmalloc profile): an LD_PRELOAD that did not take would otherwise be measured as
 * the allocator it claims to be. */
function checkRun(r: ChildResult, a: Allocator): { start: Record<string, unknown>; end: Record<string, unknown> } | string {
  if (r.error) return r.error;
  const start = r.stdout[0];
  const end = r.stdout[r.stdout.length - 1];
  if (!start || start['type'] !== 'start') return 'no start line';
  if (!end || end['type'] !== 'end') return 'no end line';
  if (start['allocator'] !== a.expect.allocator) {
    return `start line says allocator '${String(start['allocator'])}' (malloc_lib ${String(start['malloc_lib'])}), expected '${a.expect.allocator}'`;
  }
  if (a.expect.profile !== undefined && start['allocator_profile'] !== a.expect.profile) {
    return `start line says profile '${String(start['allocator_profile'])}', expected '${a.expect.profile}'`;
  }
  return { start, end };
}

function counters(end: Record<string, unknown>): Record<string, unknown> {
  const c = end['counters'];
  return typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {};
}

/** ru_maxrss from rusage-run's report; refuses a figure that could be rusage-run's own pre-exec RSS. */
function rusagePeak(r: ChildResult): number | string {
  const ru = r.report.find((l) => l['type'] === 'rusage');
  const max = numberField(ru, 'max_rss_kb');
  const pre = numberField(ru, 'pre_exec_hwm_kb');
  if (max === null) return 'rusage-run gave no max_rss_kb';
  if (pre !== null && max <= pre) return `max_rss_kb ${max} is not above rusage-run's own pre-exec ${pre} KiB: not the workload's peak`;
  return max;
}

function throughput(r: ChildResult, a: Allocator, peakFrom: 'rusage' | 'vm_hwm_kb'): Measured<ThroughputResult> {
  const checked = checkRun(r, a);
  if (typeof checked === 'string') return { ok: false, error: checked };
  const { end } = checked;
  const ops = numberField(end, 'ops');
  const elapsedMs = numberField(end, 'elapsed_ms');
  if (ops === null || elapsedMs === null || elapsedMs <= 0) return { ok: false, error: 'end line lacks ops/elapsed_ms' };
  let peak: number | string;
  let opsPerCpuSec: number | null = null;
  const ru = r.report.find((l) => l['type'] === 'rusage');
  const user = numberField(ru, 'user_ms');
  const sys = numberField(ru, 'sys_ms');
  if (user !== null && sys !== null && user + sys > 0) opsPerCpuSec = ops / ((user + sys) / 1000);
  if (peakFrom === 'rusage') {
    peak = rusagePeak(r);
  } else {
    peak = numberField(end, 'vm_hwm_kb') ?? 'end line lacks vm_hwm_kb';
  }
  if (typeof peak === 'string') return { ok: false, error: peak };
  return { ok: true, ops, elapsedMs, opsPerSec: ops / (elapsedMs / 1000), peakRssKb: peak, opsPerCpuSec, counters: counters(end) };
}

const slack = (seconds: number): number => seconds * 1000 * 3 + 30_000;

export async function runRandomMixed(p: Programs, a: Allocator, seconds: number): Promise<Measured<ThroughputResult>> {
  const args = ['--report-fd', '3', '--', p.randomMixed, '--seconds', String(seconds), '--interval-ms', '600000'];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'rusage');
}

export async function runXthread(p: Programs, a: Allocator, seconds: number): Promise<Measured<ThroughputResult>> {
  // Through rusage-run too, for the CPU time (both threads); the peak is xthread's own VmHWM.
  const args = ['--report-fd', '3', '--', p.xthread, '--seconds', String(seconds), '--interval-ms', '600000'];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'vm_hwm_kb');
}

/** Blocks above 16 KiB: random_mixed's loop on 200 slots of 16–256 KiB blocks. */
export const MEDIUM_ARGS = ['--ws', '200', '--min-size', '16384', '--max-size', '262144'];
/** Cross-thread frees of medium blocks: xthread's hand-off with 20 KB blocks. */
export const XTHREAD_MEDIUM_ARGS = ['--min-size', '20000', '--max-size', '20000'];
/** The cross-thread drain: two threads allocate the burst and exit before main frees it. */
export const XDRAIN_THREADS = 2;

export async function runMedium(p: Programs, a: Allocator, seconds: number): Promise<Measured<ThroughputResult>> {
  const args = ['--report-fd', '3', '--', p.randomMixed, '--seconds', String(seconds), '--interval-ms', '600000', ...MEDIUM_ARGS];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'rusage');
}

export async function runXthreadMedium(p: Programs, a: Allocator, seconds: number): Promise<Measured<ThroughputResult>> {
  const args = ['--report-fd', '3', '--', p.xthread, '--seconds', String(seconds), '--interval-ms', '600000', ...XTHREAD_MEDIUM_ARGS];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'vm_hwm_kb');
}

export async function runLargebuf(p: Programs, a: Allocator, seconds: number): Promise<Measured<ThroughputResult>> {
  const args = ['--report-fd', '3', '--', p.largebuf, '--seconds', String(seconds), '--interval-ms', '600000'];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'vm_hwm_kb');
}

/** alloc-test's shape (a large, long-lived working set around a small churning one), with `threads` workers. */
export async function runAlloctest(p: Programs, a: Allocator, seconds: number, threads: number): Promise<Measured<ThroughputResult>> {
  const args = [
    '--report-fd',
    '3',
    '--',
    p.alloctest,
    '--seconds',
    String(seconds),
    '--interval-ms',
    '600000',
    '--threads',
    String(threads),
  ];
  return throughput(await runChild(p.rusageRun, args, envOf(a), slack(seconds)), a, 'vm_hwm_kb');
}

/** trickleOps: malloc/free calls per ms after the drain (the probe's default is 4; 0 = idle);
 * allocThreads: threads that allocate the burst and exit before it is freed (0: main allocates). */
export async function runDrain(p: Programs, a: Allocator, trickleOps = 4, allocThreads = 0): Promise<Measured<DrainResult>> {
  const args = ['--trickle-ops', String(trickleOps), ...(allocThreads > 0 ? ['--alloc-threads', String(allocThreads)] : [])];
  const r = await runChild(p.drain, args, envOf(a), 120_000);
  const checked = checkRun(r, a);
  if (typeof checked === 'string') return { ok: false, error: checked };
  const { end } = checked;
  const points: DrainPoint[] = [];
  for (const s of r.stdout.filter((l) => l['type'] === 'sample')) {
    const afterDrainMs = numberField(s, 'after_drain_ms');
    const rssKb = numberField(s, 'rss_kb');
    if (afterDrainMs === null || rssKb === null)
      return { ok: false, error: `drain sample lacks after_drain_ms/rss_kb: ${JSON.stringify(s)}` };
    points.push({
      afterDrainMs,
      rssKb,
      lazyFreeKb: numberField(s, 'lazyfree_kb'),
      rssMinusLazyFreeKb: numberField(s, 'rss_minus_lazyfree_kb'),
    });
  }
  const peakRssKb = numberField(end, 'vm_hwm_kb');
  const rssBeforeFreeKb = numberField(end, 'rss_before_free_kb');
  const burstBytes = numberField(end, 'burst_bytes');
  const freeMs = numberField(end, 'free_ms');
  if (peakRssKb === null || rssBeforeFreeKb === null || burstBytes === null || freeMs === null) {
    return { ok: false, error: 'drain end line lacks vm_hwm_kb/rss_before_free_kb/burst_bytes/free_ms' };
  }
  return { ok: true, points, peakRssKb, rssBeforeFreeKb, burstBytes, freeMs, counters: counters(end) };
}

export async function runSoak(p: Programs, a: Allocator, seconds: number): Promise<Measured<SoakResult>> {
  const launcher = ['--count-syscalls', '--report-fd', '3', ...(a.preload ? ['--preload', a.preload] : []), '--'];
  const workload = [
    p.randomMixed,
    '--seconds',
    String(seconds),
    '--interval-ms',
    '600000',
    '--burst-mb',
    String(SOAK_BURST_MB),
    '--burst-every-s',
    String(SOAK_BURST_EVERY_S),
  ];
  // The launcher gets LD_PRELOAD through --preload only (it must not run on the allocator under test).
  const r = await runChild(p.soakLaunch, [...launcher, ...workload], { ...a.env }, slack(seconds) + 60_000);
  const checked = checkRun(r, a);
  if (typeof checked === 'string') return { ok: false, error: checked };
  const { end } = checked;
  const ops = numberField(end, 'ops');
  const elapsedMs = numberField(end, 'elapsed_ms');
  if (ops === null || elapsedMs === null || ops <= 0) return { ok: false, error: 'end line lacks ops/elapsed_ms' };
  const last = [...r.report].reverse().find((l) => l['type'] === 'syscalls');
  if (!last) return { ok: false, error: 'soak-launch reported no syscalls line' };
  const syscalls: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(last)) {
    if (k === 'type' || typeof v !== 'number') continue;
    syscalls[k] = v;
    total += v;
  }
  return {
    ok: true,
    ops,
    elapsedMs,
    bursts: numberField(end, 'bursts') ?? 0,
    syscalls,
    syscallsTotal: total,
    syscallsPerOp: total / ops,
    counters: counters(end),
  };
}

export const SOAK_PARAMS = { burstMb: SOAK_BURST_MB, burstEveryS: SOAK_BURST_EVERY_S };
