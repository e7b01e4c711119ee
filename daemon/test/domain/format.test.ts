/**
 * The number formats of the CLI, the report, the judgement's messages and the web page (daemon/src/domain/format.ts),
 * against values worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytes,
  bytesPerHour,
  clockTime,
  count,
  duration,
  formatField,
  MISSING,
  opsPerSec,
  percent,
  rate,
  ratioChange,
  ratioChangeWithInterval,
  shortCommit,
  signedPercent,
  significant,
  spanMs,
} from '../../src/domain/format.js';

const NOT_NUMBERS = [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

test('every format shows one marker, the en dash, for null, undefined, NaN and ±Infinity', () => {
  assert.equal(MISSING, '–');
  const formats: Array<(v: number | null | undefined) => string> = [
    significant,
    count,
    bytes,
    bytesPerHour,
    percent,
    signedPercent,
    ratioChange,
    rate,
    opsPerSec,
    duration,
  ];
  for (const format of formats) for (const v of NOT_NUMBERS) assert.equal(format(v), '–', `${format.name}(${v})`);
});

test('significant digits: no trailing zeros, no grouping; exponent form below 0.001', () => {
  assert.equal(significant(0), '0');
  assert.equal(significant(2), '2');
  assert.equal(significant(0.052345), '0.0523');
  assert.equal(significant(12.86), '12.9');
  assert.equal(significant(1234.5), '1230');
  assert.equal(significant(1234.5, 4), '1235');
  assert.equal(significant(-0.98765, 4), '-0.9877');
  assert.equal(significant(0.001), '0.001');
  assert.equal(significant(0.000125), '1.25e-4');
  assert.equal(significant(0.0001234, 4), '1.23e-4', 'the exponent form keeps three digits whatever `digits` is');
  assert.equal(significant(-3.2e-6), '-3.20e-6');
});

test('counts are whole and grouped', () => {
  assert.equal(count(0), '0');
  assert.equal(count(24), '24');
  assert.equal(count(1_100_000), '1,100,000');
  assert.equal(count(999.5), '1,000');
  assert.equal(count(-1234), '-1,234');
});

test('bytes: binary units; one decimal by default, whole bytes below 1 KiB, or significant digits', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(1024), '1.0 KiB');
  assert.equal(bytes(8_000_000), '7.6 MiB'); // 8e6 / 2^20 = 7.629
  assert.equal(bytes(48 * 1024 * 1024), '48.0 MiB');
  assert.equal(bytes(4 * 1024 ** 3), '4.0 GiB');
  assert.equal(bytes(3 * 1024 ** 4), '3.0 TiB');
  assert.equal(bytes(3 * 1024 ** 5), '3072.0 TiB', 'TiB is the largest unit');
  assert.equal(bytes(-1536), '-1.5 KiB');
  assert.equal(bytes(8_000_000, { significant: 3 }), '7.63 MiB');
  assert.equal(bytes(1_048_576, { significant: 3 }), '1 MiB');
  assert.equal(bytes(100, { significant: 3 }), '100 B');
  assert.equal(bytes(1_000_000_000, { significant: 3 }), '954 MiB'); // 1e9 / 2^20 = 953.67
});

test('growth per hour is signed with a true minus sign', () => {
  assert.equal(bytesPerHour(0), '+0 B/h');
  assert.equal(bytesPerHour(28_800_000), '+27.5 MiB/h'); // 28.8e6 / 2^20 = 27.47
  assert.equal(bytesPerHour(-1228.8), '−1.2 KiB/h');
  assert.equal(bytesPerHour(-0.4), '−0 B/h');
  assert.equal(bytesPerHour(1_500_000, { significant: 3 }), '+1.43 MiB/h');
});

test('percent of a ratio, a signed percentage, and the change a ratio means', () => {
  assert.equal(percent(0.1286), '12.9 %');
  assert.equal(percent(0.1286, 2), '12.86 %');
  assert.equal(percent(0, 2), '0.00 %');
  assert.equal(percent(0.02), '2 %');
  assert.equal(percent(1.5), '150 %');
  assert.equal(signedPercent(0.4), '+0.4 %');
  assert.equal(signedPercent(0.4, 2), '+0.40 %');
  assert.equal(signedPercent(-1.5), '−1.5 %');
  assert.equal(signedPercent(0), '+0 %');
  assert.equal(signedPercent(-0.004, 2), '−0.00 %');
  assert.equal(ratioChange(0.95), '−5 %');
  assert.equal(ratioChange(1.123), '+12.3 %');
  assert.equal(ratioChange(1), '+0 %');
  assert.equal(ratioChange(0.5), '−50 %');
  // With its interval, the bounds in the same unit: the bisect steps' "−4.8 % [−5.3, −4.2]".
  assert.equal(ratioChangeWithInterval(0.952, 0.947, 0.958), '−4.8 % [−5.3, −4.2]');
  assert.equal(ratioChangeWithInterval(1.003, 0.991, 1.012), '+0.3 % [−0.9, +1.2]');
  assert.equal(ratioChangeWithInterval(0.952, null, 0.958), '−4.8 %', 'no interval: the change alone');
  assert.equal(ratioChangeWithInterval(null, 0.947, 0.958), '–');
});

test('a commit is shown by its first 10 digits, wherever it appears (history, bisect runs)', () => {
  assert.equal(shortCommit('d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0'), 'd9e8f7a6b5');
  assert.equal(shortCommit('abc'), 'abc');
});

test('rates scale by thousands with three significant digits', () => {
  assert.equal(rate(0), '0');
  assert.equal(rate(950), '950');
  assert.equal(rate(12_345), '12.3 k');
  assert.equal(rate(999_999), '1000 k');
  assert.equal(rate(1_234_567), '1.23 M');
  assert.equal(rate(2_100_000_000), '2.1 G');
  assert.equal(opsPerSec(1_234_567), '1.23 M ops/s');
  assert.equal(opsPerSec(12), '12 ops/s');
});

test('durations: seconds under two minutes, then minutes and seconds, then hours and minutes', () => {
  assert.equal(duration(0), '0 s');
  assert.equal(duration(2000), '2 s');
  assert.equal(duration(2540), '2.5 s');
  assert.equal(duration(42_300), '42.3 s');
  assert.equal(duration(119_000), '119 s');
  assert.equal(duration(185_000), '3 min 5 s');
  assert.equal(duration(3_600_000), '60 min 0 s');
  assert.equal(duration(7_500_000), '2 h 5 min');
});

test('spans between ISO timestamps; missing or unreadable ends give null', () => {
  assert.equal(spanMs('2026-11-23T22:00:00.000Z', '2026-11-23T22:00:02.500Z'), 2500);
  assert.equal(spanMs('2026-11-23T22:00:00Z', null), null);
  assert.equal(spanMs(undefined, '2026-11-23T22:00:00Z'), null);
  assert.equal(spanMs('2026-11-23T22:00:00Z', 'not a time'), null);
});

test('clock times: the local time of day, with the date when it is another day', () => {
  // Built from local fields so the expectation holds in any time zone.
  const evening = new Date(2026, 10, 23, 22, 5, 9);
  assert.equal(clockTime(evening.toISOString(), new Date(2026, 10, 23, 23, 59)), '22:05:09');
  assert.equal(clockTime(evening.toISOString(), new Date(2026, 10, 24, 0, 1)), '2026-11-23 22:05:09');
  assert.equal(clockTime(null), MISSING);
  assert.equal(clockTime(''), MISSING);
  assert.equal(clockTime('garbage'), 'garbage', 'an unreadable time is shown as it came');
});

test("a field's unit picks its format: compact for the page, fixed for the report", () => {
  const both = (unit: Parameters<typeof formatField>[0], v: number | string | null): [string, string] => [
    formatField(unit, v, 'compact'),
    formatField(unit, v, 'fixed'),
  ];
  assert.deepEqual(both('ops/s', 20_123_456), ['20.1 M ops/s', '20,123,456']);
  assert.deepEqual(both('ratio', 0.12857), ['12.9 %', '12.86 %']);
  assert.deepEqual(both('percent', -1.5), ['−1.5 %', '−1.50 %']);
  assert.deepEqual(both('bytes', 19_293_798), ['18.4 MiB', '18.4 MiB']);
  assert.deepEqual(both('bytes', 8_000_000), ['7.63 MiB', '7.6 MiB']);
  assert.deepEqual(both('bytes/h', 28_835_840), ['+27.5 MiB/h', '+27.5 MiB/h']);
  assert.deepEqual(both('per op', 0.000_001_2), ['1.20e-6', '1.20e-6']);
  assert.deepEqual(both('count', 1_100_000), ['1,100,000', '1,100,000']);
  assert.deepEqual(both('ms', 2500), ['2.5 s', '2.5 s']);
  assert.deepEqual(both('id', 42), ['42', '42']);
  assert.deepEqual(both('text', 'lean'), ['lean', 'lean']);
  assert.equal(formatField('time', '2026-01-01T12:34:56Z', 'fixed'), '2026-01-01T12:34:56Z');
  assert.equal(formatField('time', '2026-01-01T12:34:56Z', 'compact'), clockTime('2026-01-01T12:34:56Z'));
  for (const unit of ['ops/s', 'ratio', 'percent', 'bytes', 'bytes/h', 'per op', 'count', 'ms', 'id', 'load'] as const) {
    assert.deepEqual(both(unit, null), [MISSING, MISSING], unit);
  }
});
