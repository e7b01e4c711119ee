import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import os from 'node:os';
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

test('host info of this machine agrees with the kernel and /sys', () => {
  const h = readHostInfo();
  assert.equal(h.kernel, os.release());
  assert.equal(h.hostname, os.hostname());
  assert.ok(h.cores >= 1);
  assert.ok(h.cpu_model.length > 0 && h.cpu_model !== 'unknown');
  let expectedThp = 'unknown';
  try {
    expectedThp = parseBracketedChoice(readFileSync(THP_ENABLED_PATH, 'utf8')) ?? 'unknown';
  } catch {
    /* no THP on this kernel */
  }
  assert.equal(h.thp, expectedThp);
  const load = readLoadAverage();
  assert.ok(load.load_avg_1m >= 0 && Number.isFinite(load.load_avg_15m));
});

test('library hash is the file sha256, cached until mtime or size change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'allocsoak-hash-'));
  try {
    const lib = join(dir, 'lib.so');
    writeFileSync(lib, 'first build');
    const hasher = new LibraryHasher();
    const expect1 = createHash('sha256').update('first build').digest('hex');
    assert.equal(await hasher.sha256(lib), expect1);
    assert.equal(await hasher.sha256(lib), expect1);
    assert.equal(hasher.computed, 1, 'second call should hit the cache');
    writeFileSync(lib, 'second build!');
    utimesSync(lib, new Date(), new Date(Date.now() + 5000));
    assert.equal(await hasher.sha256(lib), createHash('sha256').update('second build!').digest('hex'));
    assert.equal(hasher.computed, 2);
    await assert.rejects(hasher.sha256(join(dir, 'missing.so')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
