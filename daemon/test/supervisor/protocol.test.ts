import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProtocolLine, ProtocolValidator } from '../../src/supervisor/protocol.js';
import { parseLauncherReport } from '../../src/supervisor/launcher-report.js';

test('well-formed messages parse', () => {
  // The start line needs only its workload and pid; allocator and params are optional.
  assert.deepEqual(parseProtocolLine('{"type":"start","workload":"mine","pid":42}'), {
    ok: true,
    message: { type: 'start', workload: 'mine', pid: 42, fields: { type: 'start', workload: 'mine', pid: 42 } },
  });
  assert.deepEqual(parseProtocolLine('{"type":"sample","t_ms":1000,"ops":5,"counters":{"lean_retire":2}}'), {
    ok: true,
    message: { type: 'sample', t_ms: 1000, ops: 5, counters: { lean_retire: 2 }, cpu_ms: null },
  });
  const end = parseProtocolLine('{"type":"end","ops":9,"elapsed_ms":2000}');
  assert.deepEqual(end, { ok: true, message: { type: 'end', ops: 9, elapsed_ms: 2000, counters: {}, cpu_ms: null } });
  // The optional CPU time is kept when present.
  const withCpu = parseProtocolLine('{"type":"sample","t_ms":1000,"ops":5,"cpu_ms":998.5}');
  assert.deepEqual(withCpu, { ok: true, message: { type: 'sample', t_ms: 1000, ops: 5, counters: {}, cpu_ms: 998.5 } });
});

test('every malformed line gets a reason that says what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['hello world', /not a JSON line: "hello world"/],
    ['[1,2]', /not a JSON object/],
    ['{"type":"bogus"}', /unknown message type "bogus"/],
    ['{"type":"sample","ops":1}', /"t_ms" must be a non-negative number/],
    ['{"type":"sample","t_ms":1,"ops":-1}', /"ops" must be a non-negative number/],
    ['{"type":"sample","t_ms":1,"ops":1,"counters":{"x":"1"}}', /counter "x" must be a finite number/],
    ['{"type":"end","ops":1}', /"elapsed_ms"/],
    ['{"type":"sample","t_ms":1,"ops":1,"cpu_ms":"12"}', /sample: "cpu_ms" must be a non-negative number when present/],
    ['{"type":"end","ops":1,"elapsed_ms":2,"cpu_ms":-3}', /end: "cpu_ms" must be a non-negative number when present/],
    ['{"type":"start"}', /start: "workload" must be a non-empty string/],
    ['{"type":"start","workload":"","pid":4}', /start: "workload" must be a non-empty string/],
    ['{"type":"start","workload":"w"}', /start: "pid" must be the workload's process id \(a positive integer\)/],
    ['{"type":"start","workload":"w","pid":"42"}', /start: "pid" must be/],
    ['{"type":"start","workload":"w","pid":0}', /start: "pid" must be/],
    ['{"type":"start","workload":"w","pid":4,"allocator":7}', /start: "allocator" must be a string when present/],
    ['{"type":"start","workload":"w","pid":4,"params":[1]}', /start: "params" must be an object when present/],
  ];
  for (const [line, re] of cases) {
    const r = parseProtocolLine(line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.match(r.reason, re);
  }
});

test('ordering rules: start first, monotonic samples, nothing after end', () => {
  const v = new ProtocolValidator();
  const reason = (line: string) => {
    const r = v.accept(line);
    return r.ok ? null : r.reason;
  };
  assert.match(reason('{"type":"sample","t_ms":1,"ops":1}') ?? '', /before the start/);
  assert.equal(reason('{"type":"start","workload":"x","pid":42}'), null);
  assert.equal(v.missingAtExit(), 'exited without printing any sample');
  assert.equal(reason('{"type":"sample","t_ms":100,"ops":10}'), null);
  assert.equal(reason('{"type":"sample","t_ms":100,"ops":11}'), null, 'equal t_ms is allowed (never decreases)');
  assert.match(reason('{"type":"sample","t_ms":99,"ops":12}') ?? '', /t_ms went backwards \(100 → 99\)/);
  assert.match(reason('{"type":"sample","t_ms":200,"ops":9}') ?? '', /ops went backwards \(11 → 9\)/);
  assert.equal(v.missingAtExit(), 'exited without printing the end line');
  assert.match(reason('{"type":"end","ops":10,"elapsed_ms":250}') ?? '', /end ops 10 below the last sample's 11/);
  assert.equal(reason('{"type":"end","ops":11,"elapsed_ms":250}'), null);
  assert.equal(v.missingAtExit(), null);
  assert.match(reason('{"type":"sample","t_ms":300,"ops":12}') ?? '', /after the end line/);
  assert.equal(new ProtocolValidator().missingAtExit(), 'exited without printing the start line');
});

test('launcher report lines', () => {
  assert.deepEqual(parseLauncherReport('{"type":"launched","pid":42}'), { type: 'launched', pid: 42 });
  assert.deepEqual(parseLauncherReport('{"type":"syscalls","mmap":3,"munmap":1,"madvise":5,"mremap":0,"brk":2}'), {
    type: 'syscalls',
    counts: { mmap: 3, munmap: 1, madvise: 5, mremap: 0, brk: 2 },
  });
  assert.deepEqual(parseLauncherReport('{"type":"exit","code":3}'), { type: 'exit', code: 3, signal: null });
  assert.deepEqual(parseLauncherReport('{"type":"exit","signal":"SIGSEGV"}'), { type: 'exit', code: null, signal: 'SIGSEGV' });
  assert.equal(parseLauncherReport('nonsense'), null);
  assert.equal(parseLauncherReport('{"type":"launched","pid":-1}'), null);
});
