/**
 * `npm run bench`: leanmalloc's three profiles against glibc, mimalloc, jemalloc and tcmalloc (those
 * installed), on random_mixed (single thread), the cross-thread hand-off (xthread), medium blocks
 * (random 16–256 KiB), 20 KB cross-thread hand-offs, 5–25 MiB buffers, alloc-test's shape (one and two
 * threads), the drain probes (also with the blocks of exited threads) and a syscall-counted soak with
 * burst churn. Prints the tables and the performance targets, and writes every run as JSON
 * (bench/results/<timestamp>.json unless --out) so that runs can be compared later.
 *
 * Interleaving: every repetition runs each workload for every allocator, in an order shuffled anew for
 * each repetition and workload, so that a slow spell of the (shared, noisy) machine hits allocators at
 * random rather than always the same one; ratios are taken within a repetition.
 * `npm run bench` builds first; this script builds nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeBuildDir, packageRoot } from '../daemon/src/paths/index.js';
import { createRng } from '../daemon/src/stats/bootstrap.js';
import { ALLOCATOR_NAMES, findAllocators, type Allocator } from './allocators.js';
import { describeMachine, machineInfo } from './machine.js';
import { OptionError, parseOptions, USAGE, type BenchOptions } from './options.js';
import { summarize, type RunRecord, type WorkloadName } from './summary.js';
import { renderAlloctestTable, renderDrainTable, renderMediumTable, renderTable, renderTargets, renderXdrainTable } from './table.js';
import { evaluateSizeTargets, evaluateTargets } from './targets.js';
import {
  MEDIUM_ARGS,
  programs,
  runAlloctest,
  runDrain,
  runLargebuf,
  runMedium,
  runRandomMixed,
  runSoak,
  runXthread,
  runXthreadMedium,
  SOAK_PARAMS,
  XDRAIN_THREADS,
  XTHREAD_MEDIUM_ARGS,
  type Programs,
} from './workloads.js';

const MEMORY_PROBES: readonly WorkloadName[] = ['drain', 'drain_idle', 'xdrain', 'soak'];

function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

function describeResult(r: RunRecord): string {
  if (!r.result.ok) return `FAILED: ${r.result.error}`;
  switch (r.workload) {
    case 'random_mixed':
    case 'xthread':
    case 'medium':
    case 'xthread_medium':
    case 'alloctest':
    case 'alloctest2':
      return `${(r.result.opsPerSec / 1e6).toFixed(1)} Mops/s, peak ${(r.result.peakRssKb / 1024).toFixed(1)} MiB`;
    case 'largebuf':
      return `${(r.result.opsPerSec / 1e3).toFixed(2)} kops/s, peak ${(r.result.peakRssKb / 1024).toFixed(1)} MiB`;
    case 'drain':
    case 'drain_idle':
    case 'xdrain': {
      const ms = r.workload === 'xdrain' ? 2000 : 1000;
      const at = r.result.points.find((p) => p.afterDrainMs === ms);
      return `peak ${(r.result.peakRssKb / 1024).toFixed(0)} MiB, RSS−LazyFree @${ms / 1000}s ${at?.rssMinusLazyFreeKb !== null && at ? (at.rssMinusLazyFreeKb / 1024).toFixed(1) : '?'} MiB`;
    }
    case 'soak':
      return `${r.result.syscallsTotal} syscalls / ${(r.result.ops / 1e6).toFixed(0)} M ops = ${r.result.syscallsPerOp.toExponential(2)}/op, ${r.result.bursts} bursts`;
  }
}

async function measure(
  p: Programs,
  a: Allocator,
  workload: WorkloadName,
  o: BenchOptions,
  rep: number,
  position: number,
): Promise<RunRecord> {
  switch (workload) {
    case 'random_mixed':
      return { rep, position, allocator: a.name, workload, result: await runRandomMixed(p, a, o.seconds) };
    case 'xthread':
      return { rep, position, allocator: a.name, workload, result: await runXthread(p, a, o.seconds) };
    case 'medium':
      return { rep, position, allocator: a.name, workload, result: await runMedium(p, a, o.seconds) };
    case 'xthread_medium':
      return { rep, position, allocator: a.name, workload, result: await runXthreadMedium(p, a, o.seconds) };
    case 'largebuf':
      return { rep, position, allocator: a.name, workload, result: await runLargebuf(p, a, o.seconds) };
    case 'alloctest':
      return { rep, position, allocator: a.name, workload, result: await runAlloctest(p, a, o.seconds, 1) };
    case 'alloctest2':
      return { rep, position, allocator: a.name, workload, result: await runAlloctest(p, a, o.seconds, 2) };
    case 'xdrain':
      return { rep, position, allocator: a.name, workload, result: await runDrain(p, a, 0, XDRAIN_THREADS) };
    case 'drain':
      return { rep, position, allocator: a.name, workload, result: await runDrain(p, a, 4) };
    case 'drain_idle':
      return { rep, position, allocator: a.name, workload, result: await runDrain(p, a, 0) };
    case 'soak':
      return { rep, position, allocator: a.name, workload, result: await runSoak(p, a, o.soakSeconds) };
  }
}

async function main(): Promise<number> {
  let o: BenchOptions | null;
  try {
    o = parseOptions(process.argv.slice(2), ALLOCATOR_NAMES);
  } catch (e) {
    if (e instanceof OptionError) {
      process.stderr.write(`bench: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const p = programs(nativeBuildDir());
  for (const [name, file] of Object.entries(p) as [string, string][]) {
    if (!existsSync(file)) {
      process.stderr.write(`bench: ${name} program ${file} is missing: run \`npm run build\` (or use \`npm run bench\`, which builds)\n`);
      return 1;
    }
  }
  const { found, skipped } = findAllocators(nativeBuildDir(), o.only, o.leanmalloc);
  for (const s of skipped) process.stderr.write(`bench: skipping ${s.name}: ${s.reason}\n`);
  if (found.length === 0) {
    process.stderr.write('bench: no allocator to measure\n');
    return 1;
  }
  if (!found.some((a) => a.name === 'mimalloc')) process.stderr.write('bench: mimalloc is not measured: no ratios to mimalloc\n');

  const startedAt = new Date();
  const outFile = o.out ?? path.join(packageRoot(), 'bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(outFile), { recursive: true });
  const machine = machineInfo();
  const runs: RunRecord[] = [];
  const orders: { rep: number; workload: WorkloadName; order: string[] }[] = [];
  const save = (complete: boolean) => {
    const summaries = summarize(
      runs,
      found.map((a) => a.name),
    );
    const doc = {
      tool: 'allocsoak bench',
      version: 1,
      complete,
      started_at: startedAt.toISOString(),
      ended_at: complete ? new Date().toISOString() : null,
      machine,
      options: { ...o, soakBurstMb: SOAK_PARAMS.burstMb, soakBurstEveryS: SOAK_PARAMS.burstEveryS },
      allocators: found,
      skipped,
      orders,
      runs,
      summary: summaries,
      targets: evaluateTargets(runs, summaries),
      sizeTargets: evaluateSizeTargets(runs, summaries),
    };
    writeFileSync(outFile, `${JSON.stringify(doc, null, 1)}\n`);
    return doc;
  };

  const rand = createRng(o.seed); // seeded, so a run's orders can be reproduced from its recorded seed
  const throughputRuns = o.workloads.filter((w) => w !== 'xdrain' && w !== 'drain' && w !== 'drain_idle' && w !== 'soak');
  const perRep = throughputRuns.length * (o.seconds + 0.5);
  const estimate = found.length * (o.reps * perRep + o.memReps * (9 + o.soakSeconds + 0.5 + 4.5));
  process.stderr.write(
    `bench: ${found.length} allocators × ${o.reps} repetitions (drain + soak in the first ${o.memReps}); about ${Math.ceil(estimate / 60)} min; seed ${o.seed}\n`,
  );
  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
    process.stderr.write('bench: interrupted; finishing the current run, then writing partial results\n');
  });

  outer: for (let rep = 1; rep <= o.reps; rep++) {
    const workloads: WorkloadName[] = o.workloads.filter((w) => rep <= o.memReps || !MEMORY_PROBES.includes(w));
    for (const workload of workloads) {
      const order = shuffled(found, rand);
      orders.push({ rep, workload, order: order.map((a) => a.name) });
      for (const [position, a] of order.entries()) {
        if (interrupted) break outer;
        const r = await measure(p, a, workload, o, rep, position);
        runs.push(r);
        process.stderr.write(`[rep ${rep}/${o.reps}] ${workload.padEnd(12)} ${a.name.padEnd(20)} ${describeResult(r)}\n`);
        save(false);
      }
    }
  }
  machine.loadAvgEnd = os.loadavg()[0] ?? 0;
  const doc = save(!interrupted);

  const failed = runs.filter((r) => !r.result.ok);
  const out: string[] = [];
  out.push('');
  out.push(renderTable(doc.summary));
  out.push('');
  out.push(
    `ops/s: median over repetitions. × mimalloc: median of the per-repetition ratios (min–max); per CPU-s: the same ` +
      `ratio of ops per CPU-second (user+sys), less sensitive to the machine's load. peak RSS: random_mixed's ` +
      `VmHWM (wait4 ru_maxrss). After drain: drain probe, 1 s after a 256 MiB burst of 16–1024 B blocks is freed, with ` +
      `a trickle of 4 malloc/free per ms. syscalls/op: mmap+munmap+madvise+mremap+brk (incl. process start-up) / ops of ` +
      `a ${o.soakSeconds} s random_mixed soak with ${SOAK_PARAMS.burstMb} MiB bursts every ${SOAK_PARAMS.burstEveryS} s.`,
  );
  const drainTable = renderDrainTable(doc.summary);
  if (drainTable) {
    out.push(
      '',
      "Drain probe: RSS − LazyFree after the drain (median) with a trickle of 4 malloc/free per ms, and idle (no calls at all), and the probe's own peak RSS:",
      '',
      drainTable,
    );
  }
  out.push('', 'Performance targets:', '', renderTargets(doc.targets));
  out.push(
    '',
    `Blocks above 16 KiB: medium = random_mixed ${MEDIUM_ARGS.join(' ')}; xthread 20 KB = xthread ${XTHREAD_MEDIUM_ARGS.join(' ')}; ` +
      `5–25 MiB buffers = largebuf (20 live buffers replaced at random, each zero-filled; one op = one malloc or free). ` +
      `× tcmalloc: median of the per-repetition ratios.`,
    '',
    renderMediumTable(doc.summary),
  );
  const alloctestTable = renderAlloctestTable(doc.summary);
  if (alloctestTable) {
    out.push(
      '',
      "alloc-test's shape: alloctest = 2^18 slots, sizes 5–1024 B (each power-of-two range half as likely as the one below), " +
        'slots picked by an 80/20 law, every byte written after malloc and read before free; one thread, and two with half the slots each.',
      '',
      alloctestTable,
    );
  }
  const xdrainTable = renderXdrainTable(doc.summary);
  if (xdrainTable) {
    out.push(
      '',
      `Cross-thread drain: ${XDRAIN_THREADS} threads allocate a 256 MiB burst of 16–1024 B blocks and exit, main frees it all, then no malloc/free at all; RSS − LazyFree (median):`,
      '',
      xdrainTable,
    );
  }
  out.push(
    '',
    "Targets beyond tiny blocks (medium and big blocks, alloc-test's shape, memory of exited threads):",
    '',
    renderTargets(doc.sizeTargets),
  );
  out.push('', `Machine: ${describeMachine(machine)}`);
  out.push(
    `Date: ${startedAt.toISOString()}; ${o.reps} repetitions (${o.memReps} with drain + soak), ${o.seconds} s per throughput run; seed ${o.seed}`,
  );
  for (const s of skipped) out.push(`Skipped ${s.name}: ${s.reason}`);
  if (failed.length > 0) {
    out.push(`${failed.length} run(s) failed and are left out of the medians:`);
    for (const f of failed) out.push(`  rep ${f.rep} ${f.workload} ${f.allocator}: ${f.result.ok ? '' : f.result.error}`);
  }
  if (interrupted) out.push('INTERRUPTED: partial results.');
  out.push(`Results: ${outFile}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return interrupted ? 130 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
