import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess, startProcess } from '../../src/exec/process.js';
import { isAlive, waitFor, waitForDeath } from '../helpers/proc.js';

const sh = (script: string, extra: Partial<Parameters<typeof startProcess>[0]> = {}) =>
  startProcess({ command: '/bin/sh', args: ['-c', script], ...extra });

test('exit code, stdout lines and the stderr tail of a normal child', async () => {
  const lines: string[] = [];
  const r = await runProcess({
    command: '/bin/sh',
    args: ['-c', 'echo one; echo two; echo oops >&2; exit 3'],
    onStdoutLine: (l) => lines.push(l),
  });
  assert.deepEqual(lines, ['one', 'two']);
  assert.equal(r.exitCode, 3);
  assert.equal(r.signal, null);
  assert.equal(r.killedBy, null);
  assert.equal(r.stderrTail, 'oops\n');
});

test('a child killed by a signal reports the signal name', async () => {
  const r = await runProcess({ command: '/bin/sh', args: ['-c', 'kill -SEGV $$'] });
  assert.equal(r.exitCode, null);
  assert.equal(r.signal, 'SIGSEGV');
  assert.equal(r.killedBy, null);
});

test('kill() takes down the whole group, grandchildren included', async () => {
  const lines: string[] = [];
  const p = sh('sleep 60 & echo $!; sleep 60 & echo $!; wait', { onStdoutLine: (l) => lines.push(l) });
  const [a, b] = (await waitFor('two grandchild pids', () => lines.length >= 2 && lines, 5000)).map(Number);
  assert.ok(isAlive(a!) && isAlive(b!));
  p.kill('test');
  const r = await p.result;
  assert.equal(r.killedBy, 'test');
  assert.equal(r.signal, 'SIGTERM');
  assert.ok(await waitForDeath(a!, 3000), `grandchild ${a} survived`);
  assert.ok(await waitForDeath(b!, 3000), `grandchild ${b} survived`);
});

test('a grandchild left behind by a child that exited is killed too', async () => {
  const lines: string[] = [];
  // The sleep keeps running (and holds stdout) after sh exits 0.
  const r = await runProcess({ command: '/bin/sh', args: ['-c', 'sleep 60 & echo $!; exit 0'], onStdoutLine: (l) => lines.push(l) });
  assert.equal(r.exitCode, 0);
  const orphan = Number(lines[0]);
  assert.ok(orphan > 0);
  assert.ok(await waitForDeath(orphan, 3000), `orphan ${orphan} survived`);
});

test('a child that ignores SIGTERM gets SIGKILL after the grace', async () => {
  const lines: string[] = [];
  const p = sh('trap "" TERM; echo ready; while :; do sleep 0.05; done', { killGraceMs: 300, onStdoutLine: (l) => lines.push(l) });
  await waitFor('ready', () => lines.includes('ready'), 5000);
  const t0 = Date.now();
  p.kill('stop');
  const r = await p.result;
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - t0 >= 250, 'SIGKILL came before the grace');
});

test('hard timeout kills the group and says so', async () => {
  const r = await runProcess({ command: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 200 });
  assert.equal(r.killedBy, 'timeout');
  assert.equal(r.signal, 'SIGTERM');
  assert.ok(r.durationMs < 30_000, 'killed, not left to sleep its 30 s');
});

test('abort signal kills the group', async () => {
  const ac = new AbortController();
  const p = sh('sleep 30', { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  const r = await p.result;
  assert.equal(r.killedBy, 'abort');
  assert.equal(r.signal, 'SIGTERM');
});

test('an overlong stdout line is dropped and reported, later lines still arrive', async () => {
  const lines: string[] = [];
  const overlong: number[] = [];
  const r = await runProcess({
    command: '/bin/sh',
    args: ['-c', 'head -c 100000 /dev/zero | tr "\\0" x; echo; echo after'],
    maxLineBytes: 1000,
    onStdoutLine: (l) => lines.push(l),
    onStdoutOverlong: (n) => overlong.push(n),
  });
  assert.equal(r.exitCode, 0);
  assert.deepEqual(lines, ['after']);
  assert.deepEqual(overlong, [100000]);
});

test('stderr keeps only the last 4 KiB', async () => {
  const r = await runProcess({
    command: '/bin/sh',
    args: ['-c', 'head -c 20000 /dev/zero | tr "\\0" a >&2; printf END >&2'],
  });
  assert.equal(r.stderrBytes, 20003);
  assert.equal(r.stderrLines, 1);
  assert.equal(r.stderrTail.length, 4096);
  assert.ok(r.stderrTail.endsWith('aaaEND'));
});

test('extra pipes deliver lines on their fd', async () => {
  const got: Array<[number, string]> = [];
  const r = await runProcess({
    command: '/bin/sh',
    args: ['-c', 'echo report-a >&3; echo out; echo report-b >&3'],
    extraPipes: 1,
    onPipeLine: (fd, line) => got.push([fd, line]),
  });
  assert.equal(r.exitCode, 0);
  assert.deepEqual(got, [
    [3, 'report-a'],
    [3, 'report-b'],
  ]);
});

test('a program that does not exist is a spawn error, not a crash of the daemon', async () => {
  const r = await runProcess({ command: '/nonexistent/program', args: [] });
  assert.equal(r.pid, undefined);
  assert.match(r.spawnError ?? '', /ENOENT/);
  assert.equal(r.exitCode, null);
});
