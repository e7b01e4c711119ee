import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { LEANMALLOC_COUNTERS } from '../../daemon/src/domain/types.js';
import {
  LEANMALLOC_SO,
  Program,
  RANDOM_MIXED,
  num,
  obj,
  parseJsonLine,
  procStatusBytes,
  run,
  sleep,
  type ProtocolLine,
} from './fixtures/programs.js';

const MiB = 1024 * 1024;

/** Parses every stdout line and checks the protocol's ordering rules; returns start, samples, end. */
function checkProtocol(lines: string[]): { start: ProtocolLine; samples: ProtocolLine[]; end: ProtocolLine } {
  const parsed = lines.map(parseJsonLine);
  assert.ok(parsed.length >= 2, `expected start and end, got ${lines.length} lines`);
  const start = parsed[0]!;
  const end = parsed[parsed.length - 1]!;
  assert.equal(start.type, 'start');
  assert.equal(end.type, 'end');
  const samples = parsed.slice(1, -1);
  for (const s of samples) assert.equal(s.type, 'sample', JSON.stringify(s));
  let lastT = 0;
  let lastOps = 0;
  for (const s of samples) {
    assert.ok(num(s, 't_ms') > lastT, `t_ms increases: ${JSON.stringify(s)}`);
    // Non-decreasing: a worker descheduled (or busy with a burst) for a whole interval on a loaded
    // machine publishes nothing new, which is honest; ops going backwards never is.
    assert.ok(num(s, 'ops') >= lastOps, `ops cumulative, never decreasing: ${JSON.stringify(s)}`);
    assert.ok(Number.isInteger(num(s, 'ops')));
    obj(s, 'counters');
    lastT = num(s, 't_ms');
    lastOps = num(s, 'ops');
  }
  assert.ok(num(end, 'ops') >= lastOps);
  if (samples.length >= 2) assert.ok(lastOps > num(samples[0]!, 'ops'), 'ops grow over the run');
  assert.ok(num(end, 'elapsed_ms') >= lastT);
  obj(end, 'counters');
  return { start, samples, end };
}

test('random_mixed speaks the protocol: start, samples at the interval, end; ops cumulative', { timeout: 20000 }, async () => {
  const p = await run(RANDOM_MIXED, ['--seconds', '1.3', '--interval-ms', '200', '--ws', '300']);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { start, samples, end } = checkProtocol(p.stdoutLines);
  assert.equal(start['workload'], 'random_mixed');
  assert.equal(start['allocator'], 'glibc');
  assert.match(String(start['malloc_lib']), /\/libc\.so\.6$/);
  // The same version getconf reports ("glibc 2.36"), asked of glibc itself through dlsym.
  const getconf = spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' });
  assert.equal(`glibc ${String(start['allocator_version'])}`, getconf.stdout.trim());
  assert.equal(start['allocator_knobs'], undefined);
  assert.equal(num(start, 'pid'), p.pid);
  const params = obj(start, 'params');
  assert.equal(params['ws'], 300);
  assert.equal(params['interval_ms'], 200);
  assert.equal(params['seconds'], 1.3);
  assert.equal(params['min_size'], 16);
  assert.equal(params['max_size'], 1024);
  // 1.3 s at 200 ms: slots at 200..1200 ms. Sampling is on an absolute schedule: a sample is never early,
  // and a stall skips slots rather than shifting the schedule, so no slot holds two samples. How late a
  // sample is depends on how busy the machine is, and is not asserted.
  assert.ok(samples.length >= 1 && samples.length <= 6, `sample count ${samples.length}`);
  const slots = samples.map((s) => Math.floor(num(s, 't_ms') / 200));
  assert.ok(
    slots.every((slot, i) => slot >= i + 1 && (i === 0 || slot > (slots[i - 1] ?? 0))),
    `samples at ${samples.map((s) => num(s, 't_ms')).join(', ')} ms: early, or two in one 200 ms slot`,
  );
  assert.equal(end['reason'], 'seconds');
  assert.ok(num(end, 'elapsed_ms') >= 1300, `elapsed ${num(end, 'elapsed_ms')}: stopped before its 1.3 s`);
  assert.deepEqual(obj(end, 'counters'), {}, 'glibc has no counters');
  // CPU time is reported, cumulative and bounded by the wall clock (one thread). How much of the elapsed
  // time it is depends on how loaded the machine is, so that is not asserted.
  const cpu = [...samples.map((s) => num(s, 'cpu_ms')), num(end, 'cpu_ms')];
  assert.ok(
    cpu.every((c, i) => c >= (cpu[i - 1] ?? 0)),
    `cpu_ms never decreases: ${cpu.join(', ')}`,
  );
  assert.ok(num(end, 'cpu_ms') > 0 && num(end, 'cpu_ms') <= num(end, 'elapsed_ms') * 1.1 + 50, `cpu_ms ${num(end, 'cpu_ms')}`);
});

test('random_mixed --ops stops at exactly that many ops, split over threads', { timeout: 20000 }, async () => {
  const p = await run(RANDOM_MIXED, ['--ops', '200001', '--threads', '3', '--interval-ms', '60000']);
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { end, samples } = checkProtocol(p.stdoutLines);
  assert.equal(samples.length, 0);
  assert.equal(num(end, 'ops'), 200001);
  assert.equal(end['reason'], 'ops');
});

test('random_mixed takes its defaults from ALLOCSOAK_SECONDS and ALLOCSOAK_INTERVAL_MS', { timeout: 20000 }, async () => {
  const p = await run(RANDOM_MIXED, [], { env: { ALLOCSOAK_SECONDS: '0.5', ALLOCSOAK_INTERVAL_MS: '100' } });
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { start, samples, end } = checkProtocol(p.stdoutLines);
  assert.equal(obj(start, 'params')['interval_ms'], 100);
  assert.equal(obj(start, 'params')['seconds'], 0.5);
  // At most one sample per 100 ms slot (a busy machine may skip slots, how many is not asserted).
  assert.ok(samples.length <= 4, `sample count ${samples.length}`);
  assert.equal(end['reason'], 'seconds');
});

test('random_mixed rejects bad options with one clear line and exit 2', { timeout: 20000 }, async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--ws', 'abc'], /^random_mixed: --ws expects an integer from 1 to \d+, got 'abc'$/],
    [['--seconds', '-1'], /^random_mixed: --seconds expects a number .*got '-1'$/],
    [['--seconds=2x'], /^random_mixed: --seconds expects a number .*got '2x'$/],
    [['--threads', '0'], /^random_mixed: --threads expects an integer from 1 to 1024, got '0'$/],
    [['--max-size'], /^random_mixed: --max-size expects a value$/],
    [['--bogus'], /^random_mixed: unknown option '--bogus' \(see --help\)$/],
    [['--min-size', '100', '--max-size', '10'], /^random_mixed: --min-size \(100\) must not exceed --max-size \(10\)$/],
    [['--burst-mb', '4'], /^random_mixed: --burst-mb and --burst-every-s must be given together/],
    [[], /^random_mixed: ALLOCSOAK_SECONDS expects a number .*got 'soon'$/],
  ];
  for (const [args, message] of cases) {
    const env = args.length === 0 ? { ALLOCSOAK_SECONDS: 'soon' } : {};
    const p = await run(RANDOM_MIXED, args, { env });
    assert.deepEqual(p.result, { code: 2, signal: null }, `${args.join(' ')}: ${p.stderr}`);
    assert.equal(p.stdoutLines.length, 0, 'nothing on stdout');
    const lines = p.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, p.stderr);
    assert.match(lines[0]!, message);
  }
  const help = await run(RANDOM_MIXED, ['--help']);
  assert.equal(help.result.code, 0);
  assert.match(help.stdoutLines.join('\n'), /--leak-bytes-per-sec/);
});

test('random_mixed --check names every bad argument at once, one line each, and runs nothing', { timeout: 20000 }, async () => {
  const good = await run(RANDOM_MIXED, ['--check', '--ws', '300', '--burst-mb', '8', '--burst-every-s=0.5', '--spin-iters', '100']);
  assert.deepEqual(good.result, { code: 0, signal: null }, good.stderr);
  assert.equal(good.stdoutLines.length, 0, 'a check prints no protocol');
  assert.equal(good.stderr, '');
  const none = await run(RANDOM_MIXED, ['--check']);
  assert.deepEqual(none.result, { code: 0, signal: null }, none.stderr);

  const bad = await run(RANDOM_MIXED, [
    '--check',
    '--wss',
    '400', // the mistyped option's value: not an error of its own
    '--min-size',
    '0',
    '--max-size',
    '10', // fine on its own; --min-size is already wrong, so no "min above max" on top
    '--threads',
    'many',
    '--help',
    '--burst-mb',
    '4',
    '--spin-ns',
  ]);
  assert.deepEqual(bad.result, { code: 2, signal: null }, bad.stderr);
  assert.equal(bad.stdoutLines.length, 0);
  assert.deepEqual(bad.stderr.trimEnd().split('\n'), [
    "random_mixed: unknown option '--wss' (see --help); did you mean --ws?",
    "random_mixed: --min-size expects an integer from 1 to 1073741824, got '0'",
    "random_mixed: --threads expects an integer from 1 to 1024, got 'many'",
    'random_mixed: --help is not a workload argument (it prints this usage and exits)',
    'random_mixed: --spin-ns expects a value',
    'random_mixed: --burst-mb and --burst-every-s must be given together (got only --burst-mb)',
  ]);

  // Relations between valid values are still checked; --check anywhere but first is a mistake.
  const rel = await run(RANDOM_MIXED, ['--check', '--min-size', '100', '--max-size', '10', '--check']);
  assert.equal(rel.result.code, 2);
  assert.deepEqual(rel.stderr.trimEnd().split('\n'), [
    'random_mixed: --check must be the first argument (it checks the arguments that follow)',
    'random_mixed: --min-size (100) must not exceed --max-size (10)',
  ]);
});

/** Runs random_mixed and reads VmRSS of the process as each sample arrives; returns the first and last
 * readings and VmHWM at the last one. */
async function rssOverRun(extra: string[]): Promise<{ first: number; last: number; seconds: number; hwm: number; end: ProtocolLine }> {
  const p = new Program(RANDOM_MIXED, ['--seconds', '1.6', '--interval-ms', '200', ...extra]);
  let ended = false;
  void p.exited.then(() => {
    ended = true;
  });
  const rss: number[] = [];
  const readAt: number[] = [];
  let hwm = 0;
  let samplesSeen = 0;
  while (!ended) {
    const samplesNow = p.stdoutLines.filter((l) => l.includes('"type":"sample"')).length;
    if (samplesNow > samplesSeen) {
      samplesSeen = samplesNow;
      const r = procStatusBytes(p.pid, 'VmRSS');
      if (r !== null) {
        rss.push(r);
        readAt.push(performance.now());
      }
      hwm = procStatusBytes(p.pid, 'VmHWM') ?? hwm;
    }
    await sleep(5);
  }
  const exit = await p.finish();
  assert.deepEqual(exit, { code: 0, signal: null }, p.stderr);
  const { end } = checkProtocol(p.stdoutLines);
  assert.ok(rss.length >= 4, `RSS read at ${rss.length} samples`);
  return { first: rss[0]!, last: rss[rss.length - 1]!, seconds: (readAt[readAt.length - 1]! - readAt[0]!) / 1000, hwm, end };
}

test('random_mixed --leak-bytes-per-sec grows RSS at about that rate; a clean run does not grow', { timeout: 30000 }, async () => {
  const clean = await rssOverRun([]);
  assert.ok(clean.last - clean.first < 2 * MiB, `clean run grew ${(clean.last - clean.first) / MiB} MiB`);

  const leak = await rssOverRun(['--leak-bytes-per-sec', String(30 * MiB)]);
  const grown = leak.last - leak.first;
  const expected = 30 * MiB * leak.seconds; // between the two RSS readings
  assert.ok(leak.seconds > 0.5, `RSS readings only ${leak.seconds} s apart`);
  assert.ok(grown > 0.5 * expected, `leaking run grew ${grown / MiB} MiB in ${leak.seconds} s`);
  assert.ok(grown < 1.5 * expected + 2 * MiB, `leaking run grew ${grown / MiB} MiB in ${leak.seconds} s: faster than the rate`);
  const leaked = num(leak.end, 'leaked_bytes');
  assert.ok(Math.abs(leaked - 1.6 * 30 * MiB) < 5 * MiB, `leaked_bytes ${leaked}`);
});

test('random_mixed --burst-mb moves RSS: the peak reaches the burst size', { timeout: 30000 }, async () => {
  const clean = await rssOverRun([]);
  assert.ok(clean.hwm < 16 * MiB, `clean peak ${clean.hwm / MiB} MiB`);
  const burst = await rssOverRun(['--burst-mb', '48', '--burst-every-s', '0.3']);
  assert.ok(burst.hwm > 48 * MiB, `burst peak ${burst.hwm / MiB} MiB`);
  const bursts = num(burst.end, 'bursts');
  // Bursts are requested at 0.3, 0.6, ... 1.5 s; a worker delayed past two requests does one burst for both.
  assert.ok(bursts >= 2 && bursts <= 5, `bursts ${bursts}`);
});

test('random_mixed --spin-ns adds steady busy work per op', { timeout: 20000 }, async () => {
  const p = await run(RANDOM_MIXED, ['--seconds', '0.6', '--spin-ns', '2000', '--interval-ms', '60000']);
  assert.equal(p.result.code, 0, p.stderr);
  const { start, end } = checkProtocol(p.stdoutLines);
  assert.ok(Number(obj(start, 'params')['spin_iters_per_op']) > 0);
  // Per CPU second (the machine may be shared): 2 µs of spin per op caps it at 500k ops; the malloc
  // or free itself adds well under 1 µs.
  const opsPerCpuSec = num(end, 'ops') / (num(end, 'cpu_ms') / 1000);
  assert.ok(opsPerCpuSec < 550_000, `ops per CPU second ${opsPerCpuSec} with 2 µs spin`);
  assert.ok(opsPerCpuSec > 250_000, `ops per CPU second ${opsPerCpuSec}: spin much slower than asked`);
});

test('random_mixed on SIGTERM prints its end line and exits 0', { timeout: 20000 }, async () => {
  const p = new Program(RANDOM_MIXED, ['--seconds', '30', '--interval-ms', '100']);
  await p.waitFor((l) => l.includes('"type":"sample"'));
  p.kill('SIGTERM');
  const exit = await p.finish(5000);
  assert.deepEqual(exit, { code: 0, signal: null }, p.stderr);
  const { end } = checkProtocol(p.stdoutLines);
  assert.equal(end['reason'], 'SIGTERM');
  assert.ok(num(end, 'elapsed_ms') < 30_000, 'stopped by the signal, not by its 30 s');
});

test('random_mixed under leanmalloc reports allocator leanmalloc and its counters', { timeout: 20000 }, async () => {
  const p = await run(RANDOM_MIXED, ['--seconds', '0.5', '--interval-ms', '100'], { env: { LD_PRELOAD: LEANMALLOC_SO } });
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const { start, samples, end } = checkProtocol(p.stdoutLines);
  assert.equal(start['allocator'], 'leanmalloc');
  assert.equal(start['malloc_lib'], LEANMALLOC_SO);
  assert.equal(start['allocator_profile'], 'speed');
  assert.equal(obj(start, 'allocator_knobs')['LEANMALLOC_PROFILE'], 'speed');
  for (const line of [...samples, end]) {
    const counters = obj(line, 'counters');
    for (const name of LEANMALLOC_COUNTERS) assert.equal(typeof counters[name], 'number', `${name} in ${JSON.stringify(counters)}`);
  }
  assert.ok(Number(obj(end, 'counters')['superslabs_mapped']) > 0);
});
