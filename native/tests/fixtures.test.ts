import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_FIXTURE, Program, isGone, num, parseJsonLine, procStatusBytes, run, sleep, waitUntil } from './fixtures/programs.js';

const MiB = 1024 * 1024;
const F = PROTOCOL_FIXTURE;

function types(lines: string[]): string[] {
  return lines.map((l) => parseJsonLine(l).type);
}

test('fixture ok: start, samples, end, exit 0', { timeout: 15000 }, async () => {
  const p = await run(F, ['--mode', 'ok', '--seconds', '0.5', '--interval-ms', '100']);
  assert.deepEqual(p.result, { code: 0, signal: null });
  const t = types(p.stdoutLines);
  assert.equal(t[0], 'start');
  assert.equal(t[t.length - 1], 'end');
  // One sample per 100 ms slot at most; a busy machine may skip slots (how many is not asserted).
  const samples = t.filter((x) => x === 'sample').length;
  assert.ok(samples >= 1 && samples <= 5, `samples: ${samples}`);
  const start = parseJsonLine(p.stdoutLines[0]!);
  assert.equal(num(start, 'pid'), p.pid);
});

test('fixture ok honours ALLOCSOAK_SECONDS and ALLOCSOAK_INTERVAL_MS', { timeout: 15000 }, async () => {
  const p = await run(F, ['--mode', 'ok'], { env: { ALLOCSOAK_SECONDS: '0.4', ALLOCSOAK_INTERVAL_MS: '50' } });
  assert.equal(p.result.code, 0);
  // The start line says which values it runs with (the defaults are 2 s and 1000 ms); the end line that it
  // ran its 0.4 s. How much longer a busy machine made it is not asserted.
  const params = parseJsonLine(p.stdoutLines[0]!)['params'] as Record<string, unknown>;
  assert.deepEqual([params['seconds'], params['interval_ms']], [0.4, 50]);
  const end = parseJsonLine(p.stdoutLines[p.stdoutLines.length - 1]!);
  assert.ok(num(end, 'elapsed_ms') >= 400, `elapsed ${num(end, 'elapsed_ms')}: stopped before its 0.4 s`);
  const samples = types(p.stdoutLines).filter((x) => x === 'sample').length;
  assert.ok(samples >= 1 && samples <= 8, `samples: ${samples} (at most one per 50 ms slot)`);
});

test('fixture crash and abort die by SIGSEGV / SIGABRT after writing recognisable stderr', { timeout: 15000 }, async () => {
  for (const [mode, signal] of [
    ['crash', 'SIGSEGV'],
    ['abort', 'SIGABRT'],
  ] as const) {
    const started = Date.now();
    const p = await run(F, ['--mode', mode, '--after-ms', '250', '--interval-ms', '100']);
    assert.deepEqual(p.result, { code: null, signal });
    assert.ok(Date.now() - started >= 240, 'not before --after-ms');
    assert.match(p.stderr, new RegExp(`protocol_fixture: ${mode} line 1 before dying`));
    assert.match(p.stderr, new RegExp(`protocol_fixture: ${mode} line 3 before dying`));
    assert.ok(types(p.stdoutLines).includes('sample'));
    assert.ok(!types(p.stdoutLines).includes('end'));
  }
});

test('fixture hang stops sampling and ignores SIGTERM; SIGKILL ends it', { timeout: 15000 }, async () => {
  const p = new Program(F, ['--mode', 'hang', '--after-ms', '200', '--interval-ms', '50']);
  await p.waitFor((l) => l.includes('"type":"sample"'));
  await sleep(300);
  const count = p.stdoutLines.length;
  await sleep(300);
  assert.equal(p.stdoutLines.length, count, 'no more samples');
  p.kill('SIGTERM');
  await sleep(300);
  assert.equal(isGone(p.pid), false, 'SIGTERM ignored');
  p.kill('SIGKILL');
  assert.deepEqual(await p.finish(), { code: null, signal: 'SIGKILL' });
});

test('fixture garbage prints non-JSON lines after its start line', { timeout: 15000 }, async () => {
  const p = await run(F, ['--mode', 'garbage', '--seconds', '0.3', '--interval-ms', '50']);
  assert.equal(p.result.code, 0);
  assert.equal(parseJsonLine(p.stdoutLines[0]!).type, 'start');
  const rest = p.stdoutLines.slice(1);
  assert.ok(rest.length >= 3);
  for (const line of rest) assert.throws(() => JSON.parse(line), `should not parse: ${line}`);
});

test('fixture badline prints valid JSON whose ops go backwards', { timeout: 15000 }, async () => {
  const p = await run(F, ['--mode', 'badline', '--seconds', '0.4', '--interval-ms', '50']);
  assert.equal(p.result.code, 0);
  const lines = p.stdoutLines.map(parseJsonLine);
  const ops = lines.filter((l) => l.type === 'sample').map((l) => num(l, 'ops'));
  assert.ok(
    ops.some((v, i) => i > 0 && v < ops[i - 1]!),
    `ops ${ops.join(',')}`,
  );
});

test('fixture exit exits with code 3 after --after-ms', { timeout: 15000 }, async () => {
  const started = Date.now();
  const p = await run(F, ['--mode', 'exit', '--after-ms', '200', '--interval-ms', '50']);
  assert.deepEqual(p.result, { code: 3, signal: null });
  assert.ok(Date.now() - started >= 190);
  assert.match(p.stderr, /exiting with code 3/);
});

test('fixture grow grows RSS at the given rate', { timeout: 15000 }, async () => {
  const p = new Program(F, ['--mode', 'grow', '--grow-mb-per-s', '50', '--seconds', '0.8', '--interval-ms', '100']);
  await p.waitFor((l) => l.includes('"type":"sample"'));
  const first = procStatusBytes(p.pid, 'VmRSS') ?? NaN;
  const t0 = performance.now();
  await sleep(500);
  const later = procStatusBytes(p.pid, 'VmRSS') ?? NaN;
  const seconds = (performance.now() - t0) / 1000;
  const grown = later - first;
  const expected = 50 * MiB * seconds;
  assert.ok(grown > 0.6 * expected && grown < 1.4 * expected + 2 * MiB, `grew ${grown / MiB} MiB in ${seconds} s`);
  assert.deepEqual(await p.finish(), { code: 0, signal: null });
  const end = parseJsonLine(p.stdoutLines[p.stdoutLines.length - 1]!);
  assert.equal(end.type, 'end');
});

test('fixture overrun keeps sampling past --seconds and never exits by itself', { timeout: 15000 }, async () => {
  const p = new Program(F, ['--mode', 'overrun', '--seconds', '0.2', '--interval-ms', '50']);
  try {
    await sleep(700);
    assert.equal(isGone(p.pid), false);
    const last = parseJsonLine(p.stdoutLines[p.stdoutLines.length - 1]!);
    assert.equal(last.type, 'sample');
    assert.ok(num(last, 't_ms') > 250, `last sample at ${num(last, 't_ms')} ms: not past --seconds 0.2`);
  } finally {
    p.kill('SIGTERM');
    assert.deepEqual(await p.finish(), { code: null, signal: 'SIGTERM' });
  }
});

test('fixture syscalls ends with ops = count x threads; bad mode is a usage error', { timeout: 15000 }, async () => {
  const p = await run(F, ['--mode', 'syscalls', '--count', '50', '--threads', '4']);
  assert.equal(p.result.code, 0);
  const end = parseJsonLine(p.stdoutLines[p.stdoutLines.length - 1]!);
  assert.equal(end.type, 'end');
  assert.equal(num(end, 'ops'), 200);
  const bad = await run(F, ['--mode', 'sideways']);
  assert.deepEqual(bad.result, { code: 2, signal: null });
  assert.match(bad.stderr, /^protocol_fixture: --mode expects one of ok, crash, .*got 'sideways'\n$/);
  assert.equal(bad.stdoutLines.length, 0);
  assert.ok(await waitUntil(() => isGone(bad.pid), 1000));
});
