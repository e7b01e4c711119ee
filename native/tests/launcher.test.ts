import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { COUNTED_SYSCALLS } from '../../daemon/src/domain/types.js';
import {
  PRELOAD_MARKER,
  PROTOCOL_FIXTURE,
  Program,
  RANDOM_MIXED,
  SOAK_LAUNCH,
  isGone,
  num,
  parseJsonLine,
  procState,
  run,
  sleep,
  waitUntil,
  type ProtocolLine,
} from './fixtures/programs.js';

const REPORT_FD = 3;

function reportOf(p: Program): ProtocolLine[] {
  return p.reportLines.map(parseJsonLine);
}

function lastSyscalls(p: Program): Record<string, number> {
  const lines = reportOf(p).filter((l) => l.type === 'syscalls');
  const last = lines[lines.length - 1];
  assert.ok(last, `no syscalls line in ${JSON.stringify(p.reportLines)}`);
  const counts: Record<string, number> = {};
  for (const name of COUNTED_SYSCALLS) counts[name] = num(last, name);
  return counts;
}

async function countedRun(count: number, threads: number): Promise<Record<string, number>> {
  const p = await run(
    SOAK_LAUNCH,
    [
      '--count-syscalls',
      '--report-fd',
      String(REPORT_FD),
      '--',
      PROTOCOL_FIXTURE,
      '--mode',
      'syscalls',
      '--count',
      String(count),
      '--threads',
      String(threads),
    ],
    { reportFd: REPORT_FD },
  );
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  return lastSyscalls(p);
}

test('--count-syscalls counts exactly the memory syscalls of every thread', { timeout: 30000 }, async () => {
  // The fixture makes exactly K mmap, madvise, mremap, munmap and brk calls per thread on top of
  // whatever the loader and libc start-up do, which is the same for K = 0.
  const base = await countedRun(0, 3);
  const busy = await countedRun(200, 3);
  for (const name of COUNTED_SYSCALLS) assert.equal(busy[name]! - base[name]!, 600, `${name}: ${base[name]} -> ${busy[name]}`);
  const single = await countedRun(150, 1);
  const singleBase = await countedRun(0, 1);
  for (const name of COUNTED_SYSCALLS) assert.equal(single[name]! - singleBase[name]!, 150, name);
});

test('--count-syscalls follows forked children (a shell running two workloads)', { timeout: 30000 }, async () => {
  const counts = async (a: number, b: number): Promise<Record<string, number>> => {
    const script = `"${PROTOCOL_FIXTURE}" --mode syscalls --count ${a} & "${PROTOCOL_FIXTURE}" --mode syscalls --count ${b}; wait`;
    const p = await run(SOAK_LAUNCH, ['--count-syscalls', '--report-fd', '3', '/bin/sh', '-c', script], { reportFd: 3 });
    assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
    assert.equal(p.stdoutLines.filter((l) => l.includes('"type":"end"')).length, 2);
    return lastSyscalls(p);
  };
  const base = await counts(0, 0);
  const busy = await counts(40, 70);
  for (const name of COUNTED_SYSCALLS) assert.equal(busy[name]! - base[name]!, 110, `${name}: ${base[name]} -> ${busy[name]}`);
});

test('--count-syscalls agrees with strace -f -c', { timeout: 30000 }, async (t) => {
  let straceOk = true;
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    straceOk = false;
  }
  if (!straceOk) {
    t.skip('strace is not installed (the exact-count test above covers the counts)');
    return;
  }
  const args = ['--mode', 'syscalls', '--count', '120', '--threads', '2'];
  const ours = await (async () => {
    const p = await run(SOAK_LAUNCH, ['--count-syscalls', '--report-fd', '3', PROTOCOL_FIXTURE, ...args], { reportFd: 3 });
    assert.equal(p.result.code, 0, p.stderr);
    return lastSyscalls(p);
  })();
  // strace -c writes its table to stderr.
  const table = await run('strace', ['-f', '-c', '-e', 'trace=mmap,munmap,madvise,mremap,brk', PROTOCOL_FIXTURE, ...args]);
  for (const name of COUNTED_SYSCALLS) {
    const m = new RegExp(`^\\s*[\\d.]+\\s+[\\d.]+\\s+\\d+\\s+(\\d+)\\s+(?:\\d+\\s+)?${name}$`, 'm').exec(table.stderr);
    assert.ok(m?.[1], `no ${name} row in strace output:\n${table.stderr}`);
    const theirs = Number(m[1]);
    assert.ok(Math.abs(ours[name]! - theirs) <= 3, `${name}: soak-launch ${ours[name]}, strace ${theirs}`);
  }
});

test('report fd: syscalls lines come when counts change, at most about every 200 ms, plus one at the end', { timeout: 30000 }, async () => {
  // random_mixed under glibc with bursts keeps calling madvise (heap trimming) for the whole run.
  const busy = await run(
    SOAK_LAUNCH,
    [
      '--count-syscalls',
      '--report-fd',
      '3',
      RANDOM_MIXED,
      '--seconds',
      '1.5',
      '--interval-ms',
      '500',
      '--burst-mb',
      '16',
      '--burst-every-s',
      '0.1',
    ],
    { reportFd: 3 },
  );
  assert.equal(busy.result.code, 0, busy.stderr);
  const lines = reportOf(busy).filter((l) => l.type === 'syscalls');
  assert.ok(lines.length >= 2, `only ${lines.length} syscalls lines`);
  assert.ok(lines.length <= 1.5 / 0.2 + 3, `${lines.length} syscalls lines in 1.5 s: more often than every ~200 ms`);
  for (let i = 1; i < lines.length - 1; i++) assert.notDeepEqual(lines[i], lines[i - 1], 'a periodic line only when counts changed');
  for (let i = 1; i < lines.length; i++) assert.ok(num(lines[i]!, 'madvise') >= num(lines[i - 1]!, 'madvise'), 'cumulative');

  // A workload that stops making memory syscalls after start-up gets no periodic lines after that.
  const quiet = await run(
    SOAK_LAUNCH,
    ['--count-syscalls', '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', 'ok', '--seconds', '1', '--interval-ms', '100'],
    {
      reportFd: 3,
    },
  );
  assert.equal(quiet.result.code, 0);
  const quietLines = reportOf(quiet).filter((l) => l.type === 'syscalls');
  assert.ok(quietLines.length <= 3, `quiet workload got ${quietLines.length} syscalls lines`);
});

test('report fd: launched pid, syscalls, exit code; exit status mirrored', { timeout: 30000 }, async () => {
  for (const counting of [false, true]) {
    const flags = counting ? ['--count-syscalls'] : [];
    const p = await run(
      SOAK_LAUNCH,
      [...flags, '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', 'exit', '--after-ms', '150', '--interval-ms', '50'],
      { reportFd: 3 },
    );
    assert.deepEqual(p.result, { code: 3, signal: null }, p.stderr);
    const report = reportOf(p);
    assert.equal(report[0]?.type, 'launched');
    const start = parseJsonLine(p.stdoutLines[0]!);
    assert.equal(num(report[0], 'pid'), num(start, 'pid'), 'launched pid is the workload pid');
    assert.notEqual(num(report[0], 'pid'), p.pid);
    assert.deepEqual(report[report.length - 1], { type: 'exit', code: 3 });
    const syscallLines = report.filter((l) => l.type === 'syscalls');
    if (counting) {
      assert.ok(syscallLines.length >= 1);
      assert.ok(lastSyscalls(p)['mmap']! > 0, 'the loader maps libraries');
      assert.equal(report[report.length - 2]?.type, 'syscalls', 'a final syscalls line precedes exit');
    } else {
      assert.equal(syscallLines.length, 0);
    }
    assert.match(p.stderr, /exiting with code 3/, 'stderr passes through');
    assert.ok(
      p.stdoutLines.some((l) => l.includes('"type":"sample"')),
      'stdout passes through',
    );
  }
});

test('a workload killed by a signal kills the launcher with the same signal', { timeout: 30000 }, async () => {
  for (const counting of [false, true]) {
    for (const [mode, signal] of [
      ['crash', 'SIGSEGV'],
      ['abort', 'SIGABRT'],
    ] as const) {
      const flags = counting ? ['--count-syscalls'] : [];
      const p = await run(SOAK_LAUNCH, [...flags, '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', mode, '--after-ms', '50'], {
        reportFd: 3,
      });
      assert.deepEqual(p.result, { code: null, signal }, `${mode} counting=${counting}: ${p.stderr}`);
      const report = reportOf(p);
      assert.equal(report[report.length - 1]?.type, 'exit');
      assert.equal(report[report.length - 1]?.['signal'], signal);
      assert.match(p.stderr, new RegExp(`${mode} line 3 before dying`));
    }
  }
});

test('signals sent to the traced workload are delivered (SIGTERM gives random_mixed a clean end)', { timeout: 30000 }, async () => {
  const p = new Program(SOAK_LAUNCH, ['--count-syscalls', '--report-fd', '3', RANDOM_MIXED, '--seconds', '30', '--interval-ms', '100'], {
    reportFd: 3,
  });
  await p.waitFor((l) => l.includes('"type":"sample"'));
  const launched = parseJsonLine(await p.waitFor((l) => l.includes('launched'), 5000, 'report'));
  process.kill(num(launched, 'pid'), 'SIGTERM'); // to the workload directly, as a group kill would
  assert.deepEqual(await p.finish(5000), { code: 0, signal: null }, p.stderr);
  assert.match(p.stdoutLines[p.stdoutLines.length - 1]!, /"type":"end".*"reason":"SIGTERM"/);
});

test('SIGTERM sent to the launcher alone is forwarded to the workload', { timeout: 30000 }, async () => {
  for (const counting of [false, true]) {
    const flags = counting ? ['--count-syscalls'] : [];
    const p = new Program(SOAK_LAUNCH, [...flags, RANDOM_MIXED, '--seconds', '30', '--interval-ms', '100']);
    await p.waitFor((l) => l.includes('"type":"sample"'));
    p.kill('SIGTERM');
    assert.deepEqual(await p.finish(5000), { code: 0, signal: null }, p.stderr);
    assert.match(p.stdoutLines[p.stdoutLines.length - 1]!, /"type":"end".*"reason":"SIGTERM"/);
  }
});

test('a stopped traced workload stays stopped until SIGCONT (group-stop passes through)', { timeout: 30000 }, async () => {
  const p = new Program(
    SOAK_LAUNCH,
    ['--count-syscalls', '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', 'ok', '--seconds', '1.5', '--interval-ms', '50'],
    {
      reportFd: 3,
    },
  );
  const launched = parseJsonLine(await p.waitFor((l) => l.includes('launched'), 5000, 'report'));
  const pid = num(launched, 'pid');
  await p.waitFor((l) => l.includes('"type":"sample"'));
  process.kill(pid, 'SIGSTOP');
  await sleep(100);
  const before = p.stdoutLines.length;
  await sleep(300);
  assert.equal(p.stdoutLines.length, before, 'no sample while stopped');
  assert.match(procState(pid) ?? '', /^[tT]$/);
  process.kill(pid, 'SIGCONT');
  await p.waitFor((l) => p.stdoutLines.indexOf(l) >= before && l.includes('"type":"sample"'), 3000);
  assert.deepEqual(await p.finish(5000), { code: 0, signal: null }, p.stderr);
  assert.match(p.stdoutLines[p.stdoutLines.length - 1]!, /"type":"end"/);
});

test('kill -9 of the launcher leaves no workload process', { timeout: 30000 }, async () => {
  for (const counting of [false, true]) {
    const flags = counting ? ['--count-syscalls'] : [];
    const p = new Program(SOAK_LAUNCH, [...flags, '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', 'hang', '--after-ms', '50'], {
      reportFd: 3,
    });
    const pid = num(parseJsonLine(await p.waitFor((l) => l.includes('launched'), 5000, 'report')), 'pid');
    await p.waitFor((l) => l.includes('"type":"start"'));
    assert.equal(isGone(pid), false);
    p.kill('SIGKILL');
    await p.finish(5000);
    assert.ok(await waitUntil(() => isGone(pid), 2000), `workload ${pid} survived (counting=${counting}), state ${procState(pid)}`);
  }
});

test("kill -9 of the launcher's parent kills the launcher and the workload", { timeout: 30000 }, async () => {
  // sh stands in for the daemon: it starts the launcher in the background and waits.
  const script = `"${SOAK_LAUNCH}" --report-fd 3 "${PROTOCOL_FIXTURE}" --mode hang --after-ms 50 & echo "launcher $!" >&3; wait`;
  const parent = new Program('/bin/sh', ['-c', script], { reportFd: 3 });
  const launcherLine = await parent.waitFor((l) => l.startsWith('launcher '), 5000, 'report');
  const launcher = Number(launcherLine.split(' ')[1]);
  const workload = num(parseJsonLine(await parent.waitFor((l) => l.includes('launched'), 5000, 'report')), 'pid');
  await parent.waitFor((l) => l.includes('"type":"start"'));
  parent.kill('SIGKILL');
  await parent.finish(5000);
  assert.ok(
    await waitUntil(() => isGone(launcher) && isGone(workload), 2000),
    `launcher ${procState(launcher)}, workload ${procState(workload)}`,
  );
});

test('--preload applies to the workload only, and the report fd is not inherited', { timeout: 30000 }, async () => {
  const p = await run(
    SOAK_LAUNCH,
    ['--preload', PRELOAD_MARKER, '--report-fd', '5', PROTOCOL_FIXTURE, '--mode', 'ok', '--seconds', '0.2'],
    {
      reportFd: 5,
      env: {},
    },
  );
  assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
  const workload = num(reportOf(p)[0]!, 'pid');
  const marks = p.stderr.split('\n').filter((l) => l.startsWith('preload_marker: loaded in pid'));
  assert.deepEqual(marks, [`preload_marker: loaded in pid ${workload}`], p.stderr);

  // The report fd is closed in PROGRAM: readlink of it fails there. Control: an fd handed down
  // without --report-fd is visible, so the check can tell the difference.
  const hidden = await run(SOAK_LAUNCH, ['--report-fd', '5', 'readlink', '/proc/self/fd/5'], { reportFd: 5 });
  assert.equal(hidden.result.code, 1, `fd 5 leaked into PROGRAM: ${hidden.stdoutLines.join()}`);
  const visible = await run(SOAK_LAUNCH, ['readlink', '/proc/self/fd/5'], { reportFd: 5 });
  assert.equal(visible.result.code, 0);
  assert.match(visible.stdoutLines[0] ?? '', /^(pipe|socket):/); // node's 'pipe' is a socketpair
});

test('launcher errors: exec failure exits 127 naming the program; bad options exit 125', { timeout: 30000 }, async () => {
  for (const flags of [[], ['--count-syscalls']]) {
    const p = await run(SOAK_LAUNCH, [...flags, '--report-fd', '3', '/nonexistent/workload', '--x'], { reportFd: 3 });
    assert.deepEqual(p.result, { code: 127, signal: null });
    assert.equal(p.stderr.trim(), "soak-launch: cannot execute '/nonexistent/workload': No such file or directory");
    assert.deepEqual(reportOf(p)[reportOf(p).length - 1], { type: 'exit', code: 127 });
  }
  const cases: Array<[string[], RegExp]> = [
    [['--bogus', 'true'], /^soak-launch: unknown option '--bogus'/],
    [['--report-fd', '9', 'true'], /^soak-launch: --report-fd expects an open file descriptor, fd 9 is not open$/],
    [['--report-fd', '1', 'true'], /^soak-launch: --report-fd expects an integer from 3 to/],
    [['--preload', '/nonexistent/lib.so', 'true'], /^soak-launch: --preload expects a readable library, '\/nonexistent\/lib.so'/],
    [['--count-syscalls'], /^soak-launch: expects a PROGRAM to run/],
    [['--cpus', '0,x', 'true'], /^soak-launch: --cpus expects CPU numbers separated by commas such as 0,2, got '0,x'$/],
    [['--cpus', '1000', 'true'], /^soak-launch: --cpus '1000': cannot run there: Invalid argument \(this machine has \d+ CPUs online\)$/],
  ];
  for (const [args, message] of cases) {
    const p = await run(SOAK_LAUNCH, args);
    assert.deepEqual(p.result, { code: 125, signal: null }, args.join(' '));
    assert.match(p.stderr.trim(), message);
    assert.equal(p.stderr.trim().split('\n').length, 1);
  }
});

test('--cpus pins the workload (and the launcher) to those CPUs', { timeout: 30000 }, async () => {
  const allowed = (args: string[]) => run(SOAK_LAUNCH, [...args, '--', 'grep', '^Cpus_allowed_list:', '/proc/self/status']);
  for (const cpu of ['0', '1']) {
    const p = await allowed(['--cpus', cpu, '--count-syscalls']);
    assert.deepEqual(p.result, { code: 0, signal: null }, p.stderr);
    assert.deepEqual(p.stdoutLines, [`Cpus_allowed_list:\t${cpu}`]);
  }
});

test('the launcher itself runs without LD_PRELOAD even when asked to preload', { timeout: 30000 }, async () => {
  const p = new Program(
    SOAK_LAUNCH,
    ['--preload', PRELOAD_MARKER, '--report-fd', '3', PROTOCOL_FIXTURE, '--mode', 'hang', '--after-ms', '10'],
    {
      reportFd: 3,
    },
  );
  try {
    const workload = num(parseJsonLine(await p.waitFor((l) => l.includes('launched'), 5000, 'report')), 'pid');
    await p.waitFor((l) => l.includes('"type":"start"'));
    const env = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(!env(p.pid).some((e) => e.startsWith('LD_PRELOAD=')));
    assert.ok(env(workload).includes(`LD_PRELOAD=${PRELOAD_MARKER}`));
    assert.ok(readFileSync(`/proc/${workload}/maps`, 'utf8').includes(PRELOAD_MARKER));
    assert.ok(!readFileSync(`/proc/${p.pid}/maps`, 'utf8').includes(PRELOAD_MARKER));
  } finally {
    p.kill('SIGKILL');
    await p.finish();
  }
  assert.ok(existsSync(PRELOAD_MARKER));
});
