/**
 * Harness overhead: does running under the daemon change what is measured?
 *
 * Runs the same random_mixed command (same args, same allocator) two ways, interleaved
 * (standalone, daemon, daemon, standalone, ... so slow drift of the machine cancels out):
 *   standalone  random_mixed alone, LD_PRELOAD set directly, stdout read by a plain pipe;
 *   daemon      runEpoch: soak-launch --count-syscalls (seccomp + ptrace), /proc read per sample,
 *               every sample stored durably in a real SQLite file, as the daemon does.
 * Throughput of a run = end line ops / elapsed_ms. Prints both medians and their ratio
 * (daemon / standalone; 1.00 = no overhead, the target is ≥ 0.99), and the median of the
 * per-repetition ratios (each pair ran back to back).
 *
 *   node dist/bench/harness-overhead.js [--seconds 5] [--reps 5] [--interval-ms 1000]
 *        [--allocator glibc|leanmalloc|mimalloc|jemalloc|tcmalloc|/path/lib.so] [-- random_mixed args...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startProcess } from '../daemon/src/exec/process.js';
import { nativePaths, resolveAllocator } from '../daemon/src/plan/index.js';
import { median } from '../daemon/src/stats/descriptive.js';
import { openStore } from '../daemon/src/storage/index.js';
import { parseProtocolLine } from '../daemon/src/supervisor/protocol.js';
import { runEpoch } from '../daemon/src/supervisor/run-epoch.js';

const { values, positionals } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '1000' },
    allocator: { type: 'string', default: 'glibc' },
  },
  allowPositionals: true,
});
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const intervalMs = Number(values['interval-ms']);
const extraArgs = positionals;
if (!(seconds > 0) || !(reps >= 1) || !(intervalMs >= 10)) {
  console.error('usage: harness-overhead [--seconds S>0] [--reps N>=1] [--interval-ms N>=10] [--allocator A] [-- args]');
  process.exit(2);
}
const resolved = resolveAllocator(values.allocator ?? 'glibc');
if (!resolved.ok) {
  console.error(`allocator ${values.allocator}: needs ${resolved.expected}; ${resolved.hint}`);
  process.exit(2);
}
const library = resolved.library;
const paths = nativePaths();

/** ops per wall-clock second and per CPU-second of the workload (its end line's cpu_ms). */
interface Rate {
  wall: number;
  cpu: number;
}

function rateOf(end: { ops: number; elapsed_ms: number; cpu_ms: number | null }): Rate {
  return { wall: (end.ops * 1000) / end.elapsed_ms, cpu: end.cpu_ms ? (end.ops * 1000) / end.cpu_ms : Number.NaN };
}

async function standalone(): Promise<Rate> {
  let rate: Rate = { wall: Number.NaN, cpu: Number.NaN };
  const env = { ...process.env, ...(library ? { LD_PRELOAD: library } : {}) };
  const p = startProcess({
    command: paths.workload,
    args: ['--seconds', String(seconds), '--interval-ms', String(intervalMs), ...extraArgs],
    env,
    onStdoutLine: (line) => {
      const r = parseProtocolLine(line);
      if (r.ok && r.message.type === 'end') rate = rateOf(r.message);
    },
  });
  const res = await p.result;
  if (res.exitCode !== 0) throw new Error(`standalone random_mixed failed: exit ${res.exitCode ?? res.signal}: ${res.stderrTail}`);
  return rate;
}

/** CPU time (ms) the harness itself (this Node process: pipes, /proc reads, SQLite) spent in runEpoch runs. */
const harnessCpuMs: number[] = [];

async function underDaemon(dbFile: string): Promise<Rate> {
  const store = openStore(dbFile);
  const cpu0 = process.cpuUsage();
  try {
    const cid = store.campaigns.create({
      source: 'bench',
      plan: {
        name: 'harness-overhead',
        mode: 'sequential',
        epoch_ms: seconds * 1000,
        warmup_ms: 0,
        interval_ms: intervalMs,
        schedule: null,
        rss_limit_bytes: null,
        variants: [],
        comparisons: [],
        reference: null,
      },
      epochs_per_variant: null,
    });
    const vid = store.variants.upsert(
      cid,
      { name: 'v', allocator: values.allocator ?? 'glibc', env: {}, args: extraArgs, command: null, optional: false },
      library,
    );
    const eid = store.epochs.start({
      campaign_id: cid,
      variant_id: vid,
      variant: 'v',
      round: 1,
      planned_ms: seconds * 1000,
      warmup_ms: 0,
      interval_ms: intervalMs,
    });
    const r = await runEpoch(
      {
        launcher: paths.launcher,
        workload: { kind: 'random_mixed', program: paths.workload, args: extraArgs },
        preload: library,
        env: {},
        epochMs: seconds * 1000,
        intervalMs,
        warmupMs: 0,
        rssLimitBytes: null,
      },
      {
        onLaunched: ({ workloadPid }) => store.epochs.setPid(eid, workloadPid),
        onSample: (s) => void store.samples.add(eid, s),
      },
    );
    store.epochs.finish(eid, { outcome: r.outcome, outcome_reason: r.reason });
    const cpu = process.cpuUsage(cpu0);
    harnessCpuMs.push((cpu.user + cpu.system) / 1000);
    if (r.outcome !== 'completed' || r.endLine === null)
      throw new Error(`epoch under runEpoch ended ${r.outcome}: ${r.reason} ${r.stderrTail ?? ''}`);
    return rateOf(r.endLine);
  } finally {
    store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'allocsoak-bench-'));
try {
  const alone: Rate[] = [];
  const daemon: Rate[] = [];
  console.log(
    `harness overhead: random_mixed ${extraArgs.join(' ')} --seconds ${seconds} --interval-ms ${intervalMs}, allocator ${values.allocator}, ${reps} interleaved repetitions`,
  );
  for (let i = 0; i < reps; i++) {
    // ABBA order: each pair starts with the other mode than the previous pair.
    const order = i % 2 === 0 ? (['alone', 'daemon'] as const) : (['daemon', 'alone'] as const);
    for (const mode of order) {
      const v = mode === 'alone' ? await standalone() : await underDaemon(join(dir, 'bench.db'));
      (mode === 'alone' ? alone : daemon).push(v);
      console.log(`  rep ${i + 1} ${mode.padEnd(6)} ${(v.wall / 1e6).toFixed(3)} Mops/s, ${(v.cpu / 1e6).toFixed(3)} Mops per CPU-s`);
    }
  }
  for (const basis of ['wall', 'cpu'] as const) {
    const unit = basis === 'wall' ? 'Mops/s' : 'Mops per CPU-s';
    const ma = median(alone.map((r) => r[basis]));
    const md = median(daemon.map((r) => r[basis]));
    console.log(
      `[${basis}] median standalone ${(ma / 1e6).toFixed(3)} ${unit}, under the daemon ${(md / 1e6).toFixed(3)} ${unit}: ratio ${(md / ma).toFixed(4)} (target >= 0.99)`,
    );
    // Each repetition's pair ran back to back: its ratio is less exposed to slow drift of the machine.
    const paired = alone.map((a, i) => (daemon[i] as Rate)[basis] / a[basis]);
    console.log(`[${basis}] median of paired ratios ${median(paired).toFixed(4)} (pairs: ${paired.map((r) => r.toFixed(3)).join(' ')})`);
  }
  const cpu = median(harnessCpuMs);
  console.log(`harness CPU per epoch (median) ${cpu.toFixed(1)} ms = ${((cpu / (seconds * 1000)) * 100).toFixed(3)} % of one core`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
