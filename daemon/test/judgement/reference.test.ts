/** Ratio of every variant to the plan's reference variant. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceRatios } from '../../src/judgement/reference.js';
import { synthesize } from './synthetic.js';

const MB = 1024 * 1024;

test('throughput and RSS as a ratio to the reference, with intervals that cover the planted ratio', () => {
  const epochs = synthesize({
    seed: 21,
    rounds: 8,
    variants: [
      { name: 'mimalloc', throughput: 2e6, rssPeak: 40 * MB },
      { name: 'lean', throughput: 0.9826e6, rssPeak: 12 * MB },
      { name: 'speed', throughput: 2.1e6, rssPeak: 60 * MB },
    ],
  });
  const rows = referenceRatios(epochs, ['mimalloc', 'lean', 'speed'], 'mimalloc');
  const by = new Map(rows.map((r) => [r.variant, r]));
  assert.equal(by.get('mimalloc')?.throughput?.ratio, 1);
  const lean = by.get('lean');
  assert.ok(lean?.throughput && lean.throughput.low !== null && lean.throughput.high !== null);
  assert.ok(lean.throughput.low <= 0.4913 && lean.throughput.high >= 0.4913, JSON.stringify(lean.throughput));
  assert.ok(Math.abs(lean.throughput.ratio - 0.4913) < 0.01);
  assert.equal(lean.throughput.analysis, 'paired');
  const speed = by.get('speed');
  assert.ok(Math.abs((speed?.rss_peak?.ratio ?? 0) - 1.5) < 0.02);
  assert.equal(speed?.completed_epochs, 8);
});
