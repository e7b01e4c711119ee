/** The checks REST, the CLI and the judgement service share (daemon/src/domain/parameters.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, parseSince, requireKnownCampaign, requireKnownVariant } from '../../src/domain/parameters.js';

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  assert.fail('not refused');
}

test('since: ISO-8601 dates and times, normalised to the stored UTC form; a time without zone is UTC', () => {
  assert.equal(parseSince('2026-11-23'), '2026-11-23T00:00:00.000Z');
  assert.equal(parseSince(' 2026-11-23T22:00Z '), '2026-11-23T22:00:00.000Z');
  assert.equal(parseSince('2026-11-23T22:00:05.5'), '2026-11-23T22:00:05.500Z');
  assert.equal(parseSince('2026-11-23 23:00:00+0100'), '2026-11-23T22:00:00.000Z');
  assert.equal(parseSince('2026-11-23T23:30:00+01:30'), '2026-11-23T22:00:00.000Z');
  for (const bad of [
    '',
    'now',
    'yesterday',
    'last night',
    '1700000000',
    '2026-11-23T',
    '23/11/2026',
    '2026-11-23T22:00:00Zjunk',
    '2026-13-45',
  ]) {
    const err = refusal(() => parseSince(bad));
    assert.equal(err.parameter, 'since');
    assert.equal(err.message, `since: expected an ISO-8601 time such as 2026-11-23 or 2026-11-23T22:00:00Z, got ${JSON.stringify(bad)}`);
  }
  assert.equal(refusal(() => parseSince('soon', 'from')).parameter, 'from');
});

test('a variant must have been planned; the refusal lists the known ones, sorted, at most 50', () => {
  requireKnownVariant(['speed', 'lean'], 'lean');
  const err = refusal(() => requireKnownVariant(['speed', 'lean'], 'ghost', 'baseline'));
  assert.equal(err.parameter, 'baseline');
  assert.equal(err.detail, 'unknown variant "ghost"; expected one of lean, speed');
  assert.equal(err.message, 'baseline: unknown variant "ghost"; expected one of lean, speed');
  assert.equal(refusal(() => requireKnownVariant([], 'x')).message, 'variant: unknown variant "x"; expected one of none yet');
  const many = Array.from({ length: 60 }, (_, i) => `v${String(i).padStart(2, '0')}`);
  const listed = refusal(() => requireKnownVariant(many, 'x')).detail;
  assert.match(listed, /expected one of v00, v01, .*, v49, \.\.\.$/);
  assert.doesNotMatch(listed, /v50/);
});

test('a campaign must exist', () => {
  requireKnownCampaign(true, 3);
  assert.equal(refusal(() => requireKnownCampaign(false, 99)).message, 'campaign: no campaign 99');
});
