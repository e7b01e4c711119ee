/**
 * bench/run.ts end to end (one short repetition on glibc alone: real programs, real JSON file), and the
 * arithmetic behind the table and the targets on hand-built run records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../daemon/src/paths/index.js';
import { parseOptions, OptionError } from '../../bench/options.js';
import { ALLOCATOR_NAMES } from '../../bench/allocators.js';
import { summarize, type RunRecord } from '../../bench/summary.js';
import { evaluateTargets } from '../../bench/targets.js';

const RUN_JS = path.join(packageRoot(), 'dist', 'bench', 'run.js');

function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npm run bench, one glibc repetition: every workload measured, table printed, JSON written', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'allocsoak-bench-'));
  try {
    const out = path.join(dir, 'r.json');
    const r = await node(['--only', 'glibc', '--reps', '1', '--seconds', '0.2', '--soak-seconds', '0.5', '--out', out, '--seed', '7']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| glibc +\| [\d.]+ M /);
    assert.match(r.stdout, /^Performance targets:$/m);
    assert.match(r.stdout, /speed: random_mixed ops\/s ≥ 1\.10× mimalloc +\| N\/A/);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      complete: boolean;
      options: { seed: number };
      runs: {
        workload: string;
        allocator: string;
        result: { ok: boolean; opsPerSec?: number; peakRssKb?: number; syscallsTotal?: number; points?: unknown[] };
      }[];
      summary: { allocator: string; drain: { heldKbAt1s: { median: number } | null } }[];
      machine: { logicalCpus: number };
    };
    assert.equal(doc.complete, true);
    assert.equal(doc.options.seed, 7);
    assert.ok(doc.machine.logicalCpus >= 1);
    assert.deepEqual(doc.runs.map((x) => x.workload).sort(), ['drain', 'drain_idle', 'random_mixed', 'soak', 'xthread']);
    for (const run of doc.runs) assert.equal(run.result.ok, true, JSON.stringify(run));
    const rm = doc.runs.find((x) => x.workload === 'random_mixed')!;
    assert.ok(rm.result.opsPerSec! > 0 && rm.result.peakRssKb! > 500);
    const soak = doc.runs.find((x) => x.workload === 'soak')!;
    assert.ok(soak.result.syscallsTotal! > 0, 'start-up alone makes a few mmap/brk calls');
    assert.equal(doc.runs.find((x) => x.workload === 'drain')!.result.points!.length, 5);
    assert.ok(doc.summary[0]!.drain.heldKbAt1s!.median > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run bench: a missing allocator is skipped with the reason; nothing to measure is an error', { timeout: 20000 }, async () => {
  const r = await node(['--only', 'leanmalloc-speed', '--leanmalloc', '/nonexistent/libleanmalloc.so', '--reps', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /skipping leanmalloc-speed: \/nonexistent\/libleanmalloc\.so \(--leanmalloc\) does not exist/);
  assert.match(r.stderr, /no allocator to measure/);
  const bad = await node(['--seconds', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--seconds expects a number in \(0, 3600\], got 'soon'/);
});

test('bench options: bad values are named', () => {
  assert.throws(
    () => parseOptions(['--reps', '0'], ALLOCATOR_NAMES),
    (e: unknown) => e instanceof OptionError && /--reps expects a whole number/.test(e.message),
  );
  assert.throws(() => parseOptions(['--only', 'glibc,nosuch'], ALLOCATOR_NAMES), /--only: unknown allocator 'nosuch'/);
  assert.throws(() => parseOptions(['--reps', '2', '--mem-reps', '3'], ALLOCATOR_NAMES), /--mem-reps \(3\) must not exceed --reps \(2\)/);
  assert.throws(() => parseOptions(['--frobnicate'], ALLOCATOR_NAMES), /unknown option '--frobnicate'/);
  assert.equal(parseOptions(['--help'], ALLOCATOR_NAMES), null);
  assert.equal(parseOptions(['--reps=2'], ALLOCATOR_NAMES)?.memReps, 2, 'mem-reps defaults to min(3, reps)');
});

function tp(rep: number, allocator: string, workload: 'random_mixed' | 'xthread', opsPerSec: number, peakRssKb: number): RunRecord {
  return {
    rep,
    position: 0,
    allocator,
    workload,
    result: { ok: true, ops: opsPerSec, elapsedMs: 1000, opsPerSec, peakRssKb, opsPerCpuSec: opsPerSec, counters: {} },
  };
}

test('ratios are taken within a repetition; verdicts on their median; failed runs drop out', () => {
  // mimalloc is slow in rep 2 (a noisy moment): per-rep ratios see speed at 1.2× in every rep,
  // although speed's median ops/s (100) is below mimalloc's median (mimalloc: 80, 50, 100 → 80).
  const runs: RunRecord[] = [
    tp(1, 'mimalloc', 'random_mixed', 80, 2000),
    tp(1, 'leanmalloc-speed', 'random_mixed', 96, 2100),
    tp(2, 'mimalloc', 'random_mixed', 50, 2000),
    tp(2, 'leanmalloc-speed', 'random_mixed', 60, 2100),
    tp(3, 'mimalloc', 'random_mixed', 100, 2000),
    tp(3, 'leanmalloc-speed', 'random_mixed', 120, 2400),
    { rep: 4, position: 0, allocator: 'leanmalloc-speed', workload: 'random_mixed', result: { ok: false, error: 'crashed' } },
    tp(1, 'mimalloc', 'xthread', 100, 4000),
    tp(1, 'leanmalloc-speed', 'xthread', 85, 4000),
  ];
  const summaries = summarize(runs, ['leanmalloc-speed', 'mimalloc']);
  const speed = summaries[0]!;
  assert.deepEqual(speed.randomMixed.ratioToMimalloc, { median: 1.2, min: 1.2, max: 1.2, n: 3 });
  assert.equal(speed.failures, 1);
  const targets = evaluateTargets(runs, summaries);
  const byName = (prefix: string) => targets.find((t) => t.target.startsWith(prefix))!;
  assert.equal(byName('speed: random_mixed ops/s').verdict, 'PASS');
  assert.equal(byName('speed: random_mixed ops/s').value, 1.2);
  // Peak RSS ratios 1.05, 1.05, 1.2 → median 1.05 ≤ 1.1.
  assert.equal(byName('speed: peak RSS').verdict, 'PASS');
  assert.equal(byName('speed: cross-thread').verdict, 'FAIL');
  assert.equal(byName('speed: cross-thread').value, 0.85);
  assert.equal(byName('balanced: ops/s').verdict, 'N/A');
  assert.equal(byName('lean: RSS − LazyFree').verdict, 'N/A');
});
