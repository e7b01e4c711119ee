import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/exec/line-splitter.js';
import { TailBuffer } from '../../src/exec/tail-buffer.js';

function collect(max: number): { s: LineSplitter; lines: string[]; overlong: number[] } {
  const lines: string[] = [];
  const overlong: number[] = [];
  const s = new LineSplitter(max, { onLine: (l) => lines.push(l), onOverlong: (n) => overlong.push(n) });
  return { s, lines, overlong };
}

test('lines split across chunks are reassembled, CR stripped, last unterminated line kept', () => {
  const { s, lines } = collect(100);
  for (const part of ['ab', 'c\r\nde', 'f\n', '\n', 'gh']) s.push(Buffer.from(part));
  assert.deepEqual(lines, ['abc', 'def', '']);
  s.end();
  assert.deepEqual(lines, ['abc', 'def', '', 'gh']);
});

test('a line over the cap is dropped as a whole and reported; the next line is intact', () => {
  const { s, lines, overlong } = collect(10);
  s.push(Buffer.from('0123456'));
  s.push(Buffer.from('789abcdef'));
  s.push(Buffer.from('XYZ\nok\n'));
  assert.deepEqual(lines, ['ok']);
  assert.deepEqual(overlong, [19]);
});

test('a multi-byte character split between chunks decodes correctly', () => {
  const { s, lines } = collect(100);
  const bytes = Buffer.from('é€\n');
  s.push(bytes.subarray(0, 1));
  s.push(bytes.subarray(1, 3));
  s.push(bytes.subarray(3));
  assert.deepEqual(lines, ['é€']);
});

test('tail buffer keeps exactly the last bytes across wrap-arounds', () => {
  const t = new TailBuffer(8);
  t.write(Buffer.from('abc'));
  assert.equal(t.toString(), 'abc');
  t.write(Buffer.from('defgh'));
  assert.equal(t.toString(), 'abcdefgh');
  t.write(Buffer.from('ij'));
  assert.equal(t.toString(), 'cdefghij');
  t.write(Buffer.from('0123456789'));
  assert.equal(t.toString(), '23456789');
  t.write(Buffer.from('k'));
  assert.equal(t.toString(), '3456789k');
  assert.equal(t.totalBytes, 3 + 5 + 2 + 10 + 1);
});

test('tail buffer counts every line written, an unterminated last one included', () => {
  const t = new TailBuffer(4);
  assert.equal(t.totalLines, 0);
  t.write(Buffer.from('one\ntwo'));
  assert.equal(t.totalLines, 2);
  t.write(Buffer.from('\n'));
  assert.equal(t.totalLines, 2);
  t.write(Buffer.from('\n\nthree\nfour\n'));
  assert.equal(t.totalLines, 6, 'an empty line is a line; lines that left the ring still count');
  t.write(Buffer.alloc(0));
  assert.equal(t.totalLines, 6);
});
