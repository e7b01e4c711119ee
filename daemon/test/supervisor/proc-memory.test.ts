import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { kbField, parseSmapsRollup, parseStatus, readProcMemory, resetPeak } from '../../src/supervisor/proc-memory.js';

test('status and smaps_rollup fields are parsed to bytes', () => {
  const status = 'Name:\tx\nVmHWM:\t    2028 kB\nVmRSS:\t    1500 kB\nRssAnon:\t     156 kB\n';
  assert.deepEqual(parseStatus(status), { rss_bytes: 1500 * 1024, hwm_bytes: 2028 * 1024, rss_anon_bytes: 156 * 1024 });
  const rollup =
    '5592b8bcf000-7ffe63171000 ---p 00000000 00:00 0  [rollup]\nRss:   1668 kB\nPss:   354 kB\nPss_Anon:  112 kB\nLazyFree:   8 kB\n';
  assert.deepEqual(parseSmapsRollup(rollup), { pss_bytes: 354 * 1024, lazyfree_bytes: 8 * 1024 });
  // "Pss" must not match "Pss_Anon" and a missing key is null
  assert.equal(kbField('Pss_Anon: 5 kB\n', 'Pss'), null);
  assert.equal(kbField('Rss: 5 kB', 'Rss'), 5 * 1024);
});

test('a live process is read, a vanished one gives null', async () => {
  // Touch 64 MiB of anonymous memory, then say so.
  const child = spawn(
    process.execPath,
    ['-e', 'const b = Buffer.alloc(64 << 20, 1); console.log("ready"); setInterval(() => b[0]++, 1000)'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', () => reject(new Error('child exited early')));
    });
    const mem = readProcMemory(child.pid!);
    assert.ok(mem, 'no reading');
    assert.ok(mem.rss_bytes! > 64 << 20, `rss ${mem.rss_bytes}`);
    assert.ok(mem.hwm_bytes! >= mem.rss_bytes!);
    assert.ok(mem.rss_anon_bytes! > 60 << 20);
    assert.ok(mem.pss_bytes! > 0);
    assert.equal(typeof mem.lazyfree_bytes, 'number');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(readProcMemory(child.pid!), null);
  assert.equal(readProcMemory(2 ** 22 + 12345), null);
});

test('resetPeak: refused with the errno when there is no /proc/PID/clear_refs', () => {
  const r = resetPeak(2 ** 22 + 12345); // above pid_max's usual ceiling: no such process
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /^writing 5 to \/proc\/\d+\/clear_refs failed \((ENOENT|EACCES|EPERM)\)$/);
});
