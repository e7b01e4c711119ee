import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definedSymbols } from '../../src/supervisor/elf-symbols.js';
import { tempDir } from '../helpers/env.js';
import { LIBC, LIBZ } from '../helpers/libraries.js';
import { LEANMALLOC, RANDOM_MIXED } from '../helpers/native.js';

function symbols(path: string): ReadonlySet<string> {
  const r = definedSymbols(path);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.symbols;
}

test('zlib defines its own functions and imports malloc without defining it', () => {
  const s = symbols(LIBZ);
  assert.ok(s.has('deflate') && s.has('inflate') && s.has('zlibVersion'), [...s].slice(0, 10).join(' '));
  assert.equal(s.has('malloc'), false);
  assert.equal(s.has('free'), false);
});

test('glibc and leanmalloc define malloc; leanmalloc its own API, not its hidden internals', () => {
  const libc = symbols(LIBC);
  assert.ok(libc.has('malloc') && libc.has('free') && libc.has('gnu_get_libc_version'));
  const lean = symbols(LEANMALLOC);
  for (const name of ['malloc', 'free', 'calloc', 'realloc', 'leanmalloc_get_stats', 'leanmalloc_get_config', 'leanmalloc_profile'])
    assert.ok(lean.has(name), name);
  assert.equal(lean.has('lm_options_init'), false, 'hidden symbols are not exported');
  assert.equal(lean.has('lm_options'), false);
});

test('an executable: what it imports is not what it defines', () => {
  const s = symbols(RANDOM_MIXED);
  assert.equal(s.has('malloc'), false);
  assert.equal(s.has('dlsym'), false);
});

test('a file that is not ELF, or not there, says why', () => {
  const { dir, cleanup } = tempDir('elf');
  try {
    const text = join(dir, 'libfake.so');
    writeFileSync(text, 'INPUT(-lc)\n'.repeat(10));
    const r = definedSymbols(text);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /libfake\.so: not an ELF file/);
    const truncated = join(dir, 'libtrunc.so');
    writeFileSync(truncated, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    assert.equal(definedSymbols(truncated).ok, false);
    const missing = definedSymbols(join(dir, 'nothing.so'));
    assert.match(missing.ok ? '' : missing.reason, /ENOENT/);
  } finally {
    cleanup();
  }
});
