/**
 * The benchmark's own programs (native/src/bench): they run, speak the protocol and report sane
 * figures. No timing is asserted (the machine is shared); counts and memory figures are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { BUILD, num, obj, parseJsonLine, Program, RANDOM_MIXED, run, type ProtocolLine } from './fixtures/programs.js';

const XTHREAD = path.join(BUILD, 'bench', 'xthread');
const DRAIN = path.join(BUILD, 'bench', 'drain');
const LARGEBUF = path.join(BUILD, 'bench', 'largebuf');
const ALLOCTEST = path.join(BUILD, 'bench', 'alloctest');
const RUSAGE_RUN = path.join(BUILD, 'bench', 'rusage-run');

function frame(lines: string[]): { start: ProtocolLine; samples: ProtocolLine[]; end: ProtocolLine } {
  const parsed = lines.map(parseJsonLine);
  const start = parsed[0];
  const end = parsed[parsed.length - 1];
  assert.ok(start && end && parsed.length >= 2, `start and end expected: ${JSON.stringify(lines)}`);
  assert.equal(start.type, 'start');
  assert.equal(end.type, 'end');
  const samples = parsed.slice(1, -1);
  for (const s of samples) assert.equal(s.type, 'sample');
  return { start, samples, end };
}

test('xthread --ops: exactly that many ops, every block freed by the other thread, VmHWM reported', { timeout: 20000 }, async () => {
  const p = await run(XTHREAD, ['--ops', '400000', '--interval-ms', '60000']);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { start, end } = frame(p.stdoutLines);
  assert.equal(start['workload'], 'xthread');
  assert.equal(start['allocator'], 'glibc');
  assert.equal(obj(start, 'params')['threads'], 2);
  // ops = mallocs + frees; the run ends only when every handed-over block was freed.
  assert.equal(num(end, 'ops'), 400000);
  assert.equal(num(end, 'blocks'), 200000);
  assert.equal(end['reason'], 'ops');
  assert.ok(num(end, 'elapsed_ms') > 0);
  // At most 2 × 1024 blocks of ≤ 1024 B are in flight: a few MiB, never hundreds.
  assert.ok(num(end, 'vm_hwm_kb') > 500 && num(end, 'vm_hwm_kb') < 64 * 1024, `vm_hwm_kb ${num(end, 'vm_hwm_kb')}`);
  assert.ok(num(end, 'vm_rss_kb') <= num(end, 'vm_hwm_kb'));
});

test('xthread --seconds: samples with cumulative ops, stops on time; odd --ops rounds up to even', { timeout: 20000 }, async () => {
  const p = await run(XTHREAD, ['--seconds', '0.5', '--interval-ms', '100']);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { samples, end } = frame(p.stdoutLines);
  // One sample per 100 ms slot at most, over the time it actually ran (a loaded machine can stop it late);
  // a busy machine may also skip slots (how many is not asserted).
  const slots = Math.floor(num(end, 'elapsed_ms') / 100);
  assert.ok(samples.length >= 1 && samples.length <= slots, `samples: ${samples.length} in ${num(end, 'elapsed_ms')} ms`);
  let last = 0;
  for (const s of samples) {
    assert.ok(num(s, 'ops') >= last);
    last = num(s, 'ops');
  }
  assert.ok(num(end, 'ops') >= last && num(end, 'ops') > 0);
  assert.equal(num(end, 'ops'), 2 * num(end, 'blocks'), 'every malloc has its free');
  assert.equal(end['reason'], 'seconds');
  assert.ok(num(end, 'elapsed_ms') >= 500, `elapsed ${num(end, 'elapsed_ms')}: stopped before its 0.5 s`);

  const odd = await run(XTHREAD, ['--ops', '1001']);
  assert.equal(num(frame(odd.stdoutLines).end, 'ops'), 1002);
});

test('xthread on SIGTERM: both threads drain their rings, end line, exit 0', { timeout: 20000 }, async () => {
  const p = new Program(XTHREAD, ['--interval-ms', '100']);
  await p.waitFor((l) => l.includes('"type":"sample"'), 10000);
  p.kill('SIGTERM');
  const exit = await p.finish(10000);
  assert.deepEqual(exit, { code: 0, signal: null }, p.stderr);
  const { end } = frame(p.stdoutLines);
  assert.equal(end['reason'], 'SIGTERM');
  assert.equal(num(end, 'ops'), 2 * num(end, 'blocks'), 'every block handed over was freed');
});

test('xthread and drain reject bad options with one line naming the option', { timeout: 20000 }, async () => {
  const x = await run(XTHREAD, ['--min-size', '100', '--max-size', '10']);
  assert.equal(x.result.code, 2);
  assert.match(x.stderr, /^xthread: --min-size \(100\) must not exceed --max-size \(10\)\n$/);
  const d = await run(DRAIN, ['--at-ms', '500,100']);
  assert.equal(d.result.code, 2);
  assert.match(d.stderr, /^drain: --at-ms points must increase/);
  const o = await run(DRAIN, ['--free-order', 'sideways']);
  assert.equal(o.result.code, 2);
  assert.match(o.stderr, /--free-order expects 'random' or 'alloc', got 'sideways'/);
});

test(
  'drain: the burst shows in the peak, one sample per point after the drain, RSS − LazyFree consistent',
  { timeout: 30000 },
  async () => {
    const p = await run(DRAIN, ['--burst-mb', '32', '--at-ms', '0,200,400'], {}, 20000);
    assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
    const { start, samples, end } = frame(p.stdoutLines);
    assert.equal(start['workload'], 'drain');
    assert.equal(obj(start, 'params')['free_order'], 'random');
    assert.deepEqual(
      samples.map((s) => s['after_drain_ms']),
      [0, 200, 400],
    );
    const burst = num(end, 'burst_bytes');
    assert.ok(burst >= 32 * 1024 * 1024 && burst < 32 * 1024 * 1024 + 1024, `burst_bytes ${burst}`);
    assert.ok(num(end, 'burst_blocks') > (32 * 1024 * 1024) / 1024, 'blocks of 16..1024 B');
    // The 32 MiB burst was really touched: the peak is above it (and the burst's bookkeeping is small).
    assert.ok(num(end, 'vm_hwm_kb') > 32 * 1024, `vm_hwm_kb ${num(end, 'vm_hwm_kb')}`);
    assert.ok(num(end, 'rss_before_free_kb') > 32 * 1024);
    let lastT = 0;
    for (const s of samples) {
      assert.ok(num(s, 't_ms') > lastT);
      lastT = num(s, 't_ms');
      assert.ok(num(s, 'measured_after_drain_ms') >= num(s, 'after_drain_ms'));
      const rss = num(s, 'rss_kb');
      const lazy = num(s, 'lazyfree_kb');
      assert.ok(rss > 0 && rss <= num(end, 'vm_hwm_kb'));
      assert.ok(lazy >= 0);
      assert.equal(num(s, 'rss_minus_lazyfree_kb'), rss - lazy);
    }
    // The trickle ran: 4 ops per ms for ~400 ms after the burst's 2 ops per block.
    const trickleOps = num(end, 'ops') - 2 * num(end, 'burst_blocks');
    assert.ok(trickleOps > 100 && trickleOps <= 4 * 400 + 8, `trickle ops ${trickleOps}`);
  },
);

test('drain --alloc-threads: the burst comes from threads that exit, main frees it all', { timeout: 30000 }, async () => {
  const p = await run(DRAIN, ['--burst-mb', '32', '--alloc-threads', '2', '--at-ms', '0,100'], {}, 20000);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { start, samples, end } = frame(p.stdoutLines);
  assert.equal(obj(start, 'params')['alloc_threads'], 2);
  assert.equal(samples.length, 2);
  // Each of the two threads allocates half the burst (and at most one block more).
  const burst = num(end, 'burst_bytes');
  assert.ok(burst >= 32 * 1024 * 1024 && burst < 32 * 1024 * 1024 + 2 * 1024 + 2, `burst_bytes ${burst}`);
  assert.ok(num(end, 'vm_hwm_kb') > 32 * 1024, `vm_hwm_kb ${num(end, 'vm_hwm_kb')}`);
  // every block was freed by main: malloc + free per block, plus the trickle
  assert.ok(num(end, 'ops') >= 2 * num(end, 'burst_blocks'));
  const bad = await run(DRAIN, ['--alloc-threads', '65']);
  assert.equal(bad.result.code, 2);
  assert.match(bad.stderr, /--alloc-threads/);
});

test(
  'largebuf --iterations: every buffer allocated, zero-filled and freed; the live set shows in the peak',
  { timeout: 30000 },
  async () => {
    const mib = 1024 * 1024;
    const p = await run(LARGEBUF, [
      '--iterations',
      '40',
      '--buffers',
      '8',
      '--min-size',
      String(mib),
      '--max-size',
      String(3 * mib),
      '--interval-ms',
      '60000',
    ]);
    assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
    const { start, end } = frame(p.stdoutLines);
    assert.equal(start['workload'], 'largebuf');
    assert.equal(obj(start, 'params')['buffers'], 8);
    assert.equal(num(end, 'iterations'), 40);
    assert.equal(num(end, 'ops'), 80, 'one malloc and one free per buffer');
    assert.equal(end['reason'], 'iterations');
    const filled = num(end, 'filled_bytes');
    assert.ok(filled >= 40 * mib && filled <= 40 * 3 * mib, `filled_bytes ${filled}`);
    // Several buffers of at least 1 MiB were live and written at once (the fill was not optimised away).
    assert.ok(num(end, 'vm_hwm_kb') > 8 * 1024, `vm_hwm_kb ${num(end, 'vm_hwm_kb')}`);

    const timed = await run(LARGEBUF, [
      '--seconds',
      '0.3',
      '--min-size',
      String(mib),
      '--max-size',
      String(2 * mib),
      '--interval-ms',
      '100',
    ]);
    assert.deepEqual(timed.result, { code: 0, signal: null }, timed.stderr);
    const t = frame(timed.stdoutLines);
    assert.equal(t.end['reason'], 'seconds');
    assert.ok(t.samples.length >= 1, 'samples while running');
    assert.equal(num(t.end, 'ops'), 2 * num(t.end, 'iterations'));

    const bad = await run(LARGEBUF, ['--min-size', '10', '--max-size', '5']);
    assert.equal(bad.result.code, 2);
    assert.match(bad.stderr, /^largebuf: --min-size \(10\) must not exceed --max-size \(5\)\n$/);
  },
);

test(
  "alloctest --ops: alloc-test's shape, exactly that many ops over two threads, the setup's blocks live",
  { timeout: 30000 },
  async () => {
    const p = await run(ALLOCTEST, ['--ops', '300001', '--threads', '2', '--slots', '65536', '--interval-ms', '60000']);
    assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
    const { start, end } = frame(p.stdoutLines);
    assert.equal(start['workload'], 'alloctest');
    assert.deepEqual(obj(start, 'params')['max_size_exp'], 10);
    assert.equal(num(end, 'ops'), 300001);
    assert.equal(num(end, 'threads'), 2);
    assert.equal(end['reason'], 'ops');
    // Half of the slots got a block in the setup (one random bit each).
    const setup = num(end, 'setup_blocks');
    assert.ok(setup > 0.45 * 65536 && setup < 0.55 * 65536, `setup_blocks ${setup}`);

    const timed = await run(ALLOCTEST, ['--seconds', '0.3', '--interval-ms', '100']);
    assert.deepEqual(timed.result, { code: 0, signal: null }, timed.stderr);
    const t = frame(timed.stdoutLines);
    assert.equal(t.end['reason'], 'seconds');
    assert.ok(t.samples.length >= 1, 'samples while running');
    assert.ok(num(t.end, 'ops') > 0 && num(t.end, 'elapsed_ms') >= 300, JSON.stringify(t.end));

    const bad = await run(ALLOCTEST, ['--max-size-exp', '40']);
    assert.equal(bad.result.code, 2);
    assert.match(bad.stderr, /--max-size-exp/);
  },
);

test('rusage-run: peak RSS of the program, its own pre-exec RSS, exit status mirrored', { timeout: 20000 }, async () => {
  const p = await run(RUSAGE_RUN, ['--report-fd', '3', '--', DRAIN, '--burst-mb', '16', '--at-ms', '0'], { reportFd: 3 }, 15000);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const end = frame(p.stdoutLines).end;
  assert.equal(p.reportLines.length, 1);
  const ru = parseJsonLine(p.reportLines[0]!);
  assert.equal(ru.type, 'rusage');
  assert.equal(ru['code'], 0);
  // The kernel's ru_maxrss and the program's own VmHWM are the same figure, up to the slack of the kernel's
  // per-CPU RSS counters (a batch of 32 pages per CPU before they are folded in; on a busy machine the
  // program moves between CPUs and the two readings see different folds): 64 pages on this 2-CPU host,
  // a quarter of a megabyte against a 16 MiB burst.
  const slackKb = 32 * 4 * Math.max(2, availableParallelism());
  assert.ok(Math.abs(num(ru, 'max_rss_kb') - num(end, 'vm_hwm_kb')) <= slackKb, `${num(ru, 'max_rss_kb')} vs ${num(end, 'vm_hwm_kb')}`);
  assert.ok(num(ru, 'pre_exec_hwm_kb') > 0 && num(ru, 'pre_exec_hwm_kb') < 1024, `pre-exec ${num(ru, 'pre_exec_hwm_kb')} KiB`);
  assert.ok(num(ru, 'user_ms') + num(ru, 'sys_ms') > 0);

  const failing = await run(RUSAGE_RUN, ['--report-fd', '3', '--', RANDOM_MIXED, '--bogus'], { reportFd: 3 });
  assert.equal(failing.result.code, 2);
  assert.equal(parseJsonLine(failing.reportLines[0]!)['code'], 2);

  const missing = await run(RUSAGE_RUN, ['--', '/nonexistent/program']);
  assert.equal(missing.result.code, 127);
  assert.match(missing.stderr, /rusage-run: cannot execute '\/nonexistent\/program'/);
});
