import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LibraryHasher,
  parseBracketedChoice,
  parseCpuModel,
  readHostInfo,
  readLoadAverage,
  THP_ENABLED_PATH,
} from '../../src/host/index.js';

test('bracketed sysfs choice and cpuinfo model are parsed', () => {
  assert.equal(parseBracketedChoice('always [madvise] never\n'), 'madvise');
  assert.equal(parseBracketedChoice('[always] madvise never'), 'always');
  assert.equal(parseBracketedChoice('garbage'), null);
  assert.equal(parseCpuModel('processor\t: 0\nvendor_id\t: X\nmodel name\t: Fancy CPU @ 3GHz\n'), 'Fancy CPU @ 3GHz');
  assert.equal(parseCpuModel('processor : 0\nCPU part : 0xd0c\nModel : Raspberry Pi 4\n'), 'Raspberry Pi 4');
  assert.equal(parseCpuModel(''), null);
});

/** Runs a standard command and returns its output, trimmed: an account of the machine the code under test did not read. */
function command(file: string, args: string[] = []): string {
  return execFileSync(file, args, { encoding: 'utf8' }).trim();
}

test('host info of this machine agrees with what uname, nproc, /proc and /sys say', () => {
  const h = readHostInfo();
  assert.equal(h.kernel, command('uname', ['-r']));
  assert.equal(h.hostname, command('uname', ['-n']));
  assert.equal(h.cores, Number(command('nproc')));
  const modelLine = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'));
  if (modelLine !== undefined) assert.equal(h.cpu_model, modelLine.slice(modelLine.indexOf(':') + 1).trim());
  else assert.ok(h.cpu_model.length > 0 && h.cpu_model !== 'unknown');
  if (existsSync(THP_ENABLED_PATH)) {
    assert.match(h.thp, /^[a-z]+$/);
    assert.ok(readFileSync(THP_ENABLED_PATH, 'utf8').includes(`[${h.thp}]`), `THP ${h.thp}`);
  } else assert.equal(h.thp, 'unknown');
});

test("the load average is the kernel's, as /proc/loadavg prints it", () => {
  // The kernel updates it every 5 s: /proc, read between two readings, matches one of them.
  const before = readLoadAverage();
  const proc = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  const after = readLoadAverage();
  const matches = (l: typeof before): boolean =>
    [l.load_avg_1m, l.load_avg_5m, l.load_avg_15m].every((v, i) => Math.abs(v - (proc[i] ?? Number.NaN)) <= 0.006);
  assert.ok(matches(before) || matches(after), `${JSON.stringify({ before, proc, after })}`);
});

test('library hash is the file sha256, cached until mtime or size change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'allocsoak-hash-'));
  try {
    const lib = join(dir, 'lib.so');
    writeFileSync(lib, 'first build');
    const hasher = new LibraryHasher();
    // Known values (sha256sum of the same bytes).
    const expect1 = 'f3adf3a4014af2dc15376ed0b22ac63cae9073430512bad33659b8f352c9fb30';
    assert.equal(await hasher.sha256(lib), expect1);
    assert.equal(await hasher.sha256(lib), expect1);
    assert.equal(hasher.computed, 1, 'second call should hit the cache');
    writeFileSync(lib, 'second build!');
    utimesSync(lib, new Date(), new Date(Date.now() + 5000));
    assert.equal(await hasher.sha256(lib), '19eaf000c761e41620f5da72d79a9ddefeb2e400390fe38ee6d938507651388b');
    assert.equal(hasher.computed, 2);
    await assert.rejects(hasher.sha256(join(dir, 'missing.so')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
