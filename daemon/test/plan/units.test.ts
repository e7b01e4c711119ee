import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, parseSize } from '../../src/plan/units.js';

test('durations: units, plain seconds, rejects garbage', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('4s'), 4000);
  assert.equal(parseDuration('60m'), 3_600_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(90), 90_000);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration(0.25), 250);
  for (const bad of ['', '4 days', '-1s', 's', '1hr', null, true, [], -3, Number.NaN]) assert.equal(parseDuration(bad), null, String(bad));
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(90_000), '90s');
});

test('sizes: binary and decimal units, plain bytes, rejects garbage', () => {
  assert.equal(parseSize('4GiB'), 4 * 1024 ** 3);
  assert.equal(parseSize('512MiB'), 512 * 1024 ** 2);
  assert.equal(parseSize('100MB'), 100_000_000);
  assert.equal(parseSize('64kib'), 65_536);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
  for (const bad of ['4 gigs', 'GiB', '-1MB', 1.5, -1, null, {}]) assert.equal(parseSize(bad), null, JSON.stringify(bad));
});
