/** The verdict engine on synthetic per-epoch data with known, planted effects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeComparison } from '../../src/judgement/verdict.js';
import { synthesize } from './synthetic.js';

const MB = 1024 * 1024;

test('a real 5 % slowdown is NO-GO (speed)', () => {
  const epochs = synthesize({
    seed: 1,
    rounds: 8,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'slow', throughput: 0.95e6, rssPeak: 50 * MB },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'base', candidate: 'slow', goal: 'speed' });
  assert.equal(v.verdict, 'NO-GO', JSON.stringify(v.reasons, null, 1));
  assert.equal(v.decided_by, 'slowdown_tolerance_pct');
  assert.equal(v.throughput?.analysis, 'paired');
  assert.ok((v.throughput?.high ?? 1) < 0.9975);
  assert.ok(Math.abs((v.throughput?.ratio ?? 0) - 0.95) < 0.01);
  const decisive = v.reasons.filter((r) => r.decisive);
  assert.ok(
    decisive.some((r) => /real slowdown/.test(r.message)),
    JSON.stringify(decisive),
  );
});

test('a statistically real −0.46 % slowdown is NO-GO when the epochs are precise enough', () => {
  const epochs = synthesize({
    seed: 5,
    rounds: 12,
    noise: 0.001,
    machine: 0.02,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 0.9954e6, rssPeak: 50 * MB },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(v.verdict, 'NO-GO', JSON.stringify(v.reasons, null, 1));
  // The shared machine factor (2 %) dwarfs the effect: only the paired analysis sees it.
  assert.equal(v.throughput?.analysis, 'paired');
});

test('a real speed-up beyond the threshold is GO; the same with a much less steady candidate is not', () => {
  const fast = synthesize({
    seed: 2,
    rounds: 8,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'fast', throughput: 1.05e6, rssPeak: 50 * MB },
    ],
  });
  const go = judgeComparison(fast, { baseline: 'base', candidate: 'fast', goal: 'speed' });
  assert.equal(go.verdict, 'GO', JSON.stringify(go.reasons, null, 1));
  assert.equal(go.decided_by, 'speedup_min_pct');
  const shaky = synthesize({
    seed: 2,
    rounds: 10,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB, cv: 0.01 },
      { name: 'fast', throughput: 1.08e6, rssPeak: 50 * MB, cv: 0.05 },
    ],
  });
  const withheld = judgeComparison(shaky, { baseline: 'base', candidate: 'fast', goal: 'speed' });
  assert.equal(withheld.verdict, 'NEUTRAL', JSON.stringify(withheld.reasons, null, 1));
  assert.equal(withheld.decided_by, 'spread_increase_max');
  assert.equal(withheld.spread?.within.increased, true);
});

test('A/A twins are never GO or NO-GO in a single campaign and rarely over 300 campaigns', () => {
  const one = synthesize({
    seed: 3,
    rounds: 8,
    variants: [
      { name: 'a', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'a2', throughput: 1e6, rssPeak: 50 * MB },
    ],
  });
  const v = judgeComparison(one, { baseline: 'a', candidate: 'a2', goal: 'speed' });
  assert.ok(v.verdict === 'NEUTRAL' || v.verdict === 'INSUFFICIENT', v.verdict);
  let falseVerdicts = 0;
  const counts: Record<string, number> = {};
  for (let seed = 100; seed < 400; seed++) {
    const epochs = synthesize({
      seed,
      rounds: 8,
      noise: 0.002,
      machine: 0.01,
      variants: [
        { name: 'a', throughput: 1e6, rssPeak: 50 * MB },
        { name: 'a2', throughput: 1e6, rssPeak: 50 * MB },
      ],
    });
    const r = judgeComparison(epochs, { baseline: 'a', candidate: 'a2', goal: 'speed' });
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    if (r.verdict === 'GO' || r.verdict === 'NO-GO') falseVerdicts++;
  }
  // Each side's error is bounded by (1 − 0.95)/2 at the margin; with a margin the rate is far lower.
  assert.ok(falseVerdicts / 300 <= 0.025, `false verdicts ${falseVerdicts}/300 ${JSON.stringify(counts)}`);
  // With 0.2 % epoch noise and 8 pairs the interval is about as wide as the margin: many settle as NEUTRAL.
  assert.ok((counts.NEUTRAL ?? 0) >= 100, `A/A should often be settled as NEUTRAL: ${JSON.stringify(counts)}`);
});

test('A/A twins under goal memory are NEUTRAL (no memory effect), not NO-GO', () => {
  const epochs = synthesize({
    seed: 4,
    rounds: 8,
    variants: [
      { name: 'a', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'a2', throughput: 1e6, rssPeak: 50 * MB },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'a', candidate: 'a2', goal: 'memory' });
  assert.equal(v.verdict, 'NEUTRAL', JSON.stringify(v.reasons, null, 1));
  assert.equal(v.decided_by, 'rss_equivalence_pct');
});

test('memory: a 75 % RSS cut at 3 % cost is GO; a 70 % cut to below 10 MiB is GO too', () => {
  const lean = synthesize({
    seed: 6,
    rounds: 8,
    variants: [
      { name: 'speed', throughput: 1e6, rssPeak: 100 * MB },
      { name: 'lean', throughput: 0.97e6, rssPeak: 25 * MB, syscallsPerOp: 1e-7 },
    ],
  });
  const v = judgeComparison(lean, { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  assert.equal(v.verdict, 'GO', JSON.stringify(v.reasons, null, 1));
  assert.equal(v.decided_by, 'rss_cut_go_pct');
  assert.ok(Math.abs((v.rss_peak?.ratio ?? 0) - 0.25) < 0.01);
  const small = synthesize({
    seed: 7,
    rounds: 8,
    variants: [
      { name: 'speed', throughput: 1e6, rssPeak: 30 * MB },
      { name: 'lean', throughput: 0.97e6, rssPeak: 9 * MB },
    ],
  });
  const w = judgeComparison(small, { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  assert.equal(w.verdict, 'GO', JSON.stringify(w.reasons, null, 1));
});

test('memory with bursts: the peak is the burst for both, held memory shows the cut (judge_held_rss)', () => {
  // Both hold a 70 MB burst at its peak; between bursts speed keeps it mapped, lean gives it back.
  const epochs = synthesize({
    seed: 16,
    rounds: 8,
    variants: [
      { name: 'speed', throughput: 1e6, rssPeak: 75 * MB, rssHeld: 74 * MB },
      { name: 'lean', throughput: 0.98e6, rssPeak: 72 * MB, rssHeld: 3 * MB, syscallsPerOp: 1e-7 },
    ],
  });
  const byPeak = judgeComparison(epochs, { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  // On the peak, lean has no memory effect (72 vs 75 MB, within ±5 %): NEUTRAL at best, never GO.
  assert.equal(byPeak.rss_basis, 'peak');
  assert.equal(byPeak.verdict, 'NEUTRAL');
  assert.equal(byPeak.decided_by, 'rss_equivalence_pct');
  const byHeld = judgeComparison(epochs, { baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { judge_held_rss: 1 } });
  assert.equal(byHeld.rss_basis, 'held');
  assert.equal(byHeld.verdict, 'GO', JSON.stringify(byHeld.reasons, null, 1));
  assert.ok(Math.abs((byHeld.rss_held?.ratio ?? 0) - 3 / 74) < 0.01);
  assert.ok(byHeld.rss_peak !== null && byHeld.rss_peak.ratio > 0.9, 'the peak estimate is still reported');
  assert.match(byHeld.reasons.find((r) => r.decisive)?.message ?? '', /held RSS/);
  // Rows without held memory (schema v2) fall back to the peak.
  const old = epochs.map(({ rss_held_bytes: _h, ...e }) => e);
  assert.equal(
    judgeComparison(old, { baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { judge_held_rss: 1 } }).rss_basis,
    'peak',
  );
});

test('memory: when the cost interval straddles its line but a gate withholds GO anyway, the gate decides and the message says so', () => {
  // The quick plan's speed -> lean: held RSS −96 %, throughput −3.5 % [−9.3 %, +5.6 %], within-epoch CV 6.6 %.
  const epochs = synthesize({
    seed: 21,
    rounds: 6,
    noise: 0.04,
    variants: [
      { name: 'speed', throughput: 1e6, rssPeak: 75 * MB, rssHeld: 74 * MB, cv: 0.04 },
      { name: 'lean', throughput: 0.965e6, rssPeak: 4 * MB, rssHeld: 3 * MB, cv: 0.066, syscallsPerOp: 1e-7 },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { judge_held_rss: 1 } });
  assert.ok(
    (v.throughput?.low ?? 1) < 0.95 && (v.throughput?.high ?? 0) > 0.95,
    `the cost interval straddles 0.95: [${v.throughput?.low}, ${v.throughput?.high}]`,
  );
  assert.equal(v.verdict, 'NEUTRAL');
  assert.equal(v.decided_by, 'cv_max_pct');
  const decisive = v.reasons.find((r) => r.decisive && r.criterion === 'cv_max_pct' && /whichever way/.test(r.message));
  assert.ok(decisive, JSON.stringify(v.reasons, null, 1));
  assert.doesNotMatch(decisive.message, /surely/);
});

test('memory: the same cut at a 12 % cost is NEUTRAL (improves but costs too much)', () => {
  const epochs = synthesize({
    seed: 8,
    rounds: 8,
    variants: [
      { name: 'speed', throughput: 1e6, rssPeak: 100 * MB },
      { name: 'lean', throughput: 0.88e6, rssPeak: 25 * MB },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  assert.equal(v.verdict, 'NEUTRAL', JSON.stringify(v.reasons, null, 1));
  assert.equal(v.decided_by, 'throughput_cost_max_pct');
  // A plan that accepts 15 % makes it GO.
  const lenient = judgeComparison(epochs, {
    baseline: 'speed',
    candidate: 'lean',
    goal: 'memory',
    criteria: { throughput_cost_max_pct: 15 },
  });
  assert.equal(lenient.verdict, 'GO');
});

test('memory: a 30 % cut is NO-GO, a 60 % cut NEUTRAL, a CV of 3 % or 5e-6 syscalls/op withhold GO', () => {
  const make = (rss: number, extra: object = {}) =>
    synthesize({
      seed: 9,
      rounds: 8,
      variants: [
        { name: 'speed', throughput: 1e6, rssPeak: 100 * MB },
        { name: 'lean', throughput: 0.98e6, rssPeak: rss * MB, ...extra },
      ],
    });
  assert.equal(judgeComparison(make(70), { baseline: 'speed', candidate: 'lean', goal: 'memory' }).verdict, 'NO-GO');
  assert.equal(judgeComparison(make(70), { baseline: 'speed', candidate: 'lean', goal: 'memory' }).decided_by, 'rss_cut_nogo_pct');
  assert.equal(judgeComparison(make(40), { baseline: 'speed', candidate: 'lean', goal: 'memory' }).verdict, 'NEUTRAL');
  const cv = judgeComparison(make(20, { cv: 0.03 }), { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  assert.equal(cv.verdict, 'NEUTRAL');
  assert.ok(cv.reasons.some((r) => r.criterion === 'cv_max_pct' && r.status === 'fail'));
  const sys = judgeComparison(make(20, { syscallsPerOp: 5e-6 }), { baseline: 'speed', candidate: 'lean', goal: 'memory' });
  assert.equal(sys.verdict, 'NEUTRAL');
  assert.equal(sys.decided_by, 'syscalls_go_per_op');
});

test('a crashed candidate epoch is NO-GO whatever the numbers', () => {
  const epochs = synthesize({
    seed: 10,
    rounds: 8,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 1.2e6, rssPeak: 10 * MB, outcome: (r) => (r === 4 ? 'crashed' : 'completed') },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(v.verdict, 'NO-GO');
  assert.equal(v.decided_by, 'guard.crash');
  assert.match(v.reasons.find((r) => r.decisive)?.message ?? '', /crashed \(SIGSEGV\)/);
  // Even with a single epoch.
  const lone = synthesize({
    seed: 11,
    rounds: 1,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 1e6, rssPeak: 50 * MB, outcome: () => 'oom' },
    ],
  });
  assert.equal(judgeComparison(lone, { baseline: 'base', candidate: 'cand', goal: 'memory' }).verdict, 'NO-GO');
});

test('too few epochs is INSUFFICIENT with a positive number of further epochs per arm', () => {
  const epochs = synthesize({
    seed: 12,
    rounds: 3,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 0.95e6, rssPeak: 50 * MB },
    ],
  });
  const v = judgeComparison(epochs, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(v.verdict, 'INSUFFICIENT');
  assert.equal(v.decided_by, 'min_epochs');
  assert.ok((v.epochs_needed_per_arm ?? 0) >= 2, String(v.epochs_needed_per_arm));
});

test('an interval straddling the NO-GO line is INSUFFICIENT, and the estimate of epochs needed settles it', () => {
  // True slowdown 2 %, epoch noise 2 %: six pairs leave the interval across the −0.25 % line.
  const variants = [
    { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
    { name: 'cand', throughput: 0.98e6, rssPeak: 50 * MB },
  ];
  const v = judgeComparison(synthesize({ seed: 16, rounds: 6, noise: 0.02, variants }), {
    baseline: 'base',
    candidate: 'cand',
    goal: 'speed',
  });
  assert.equal(v.verdict, 'INSUFFICIENT', JSON.stringify(v.reasons, null, 1));
  assert.equal(v.decided_by, 'slowdown_tolerance_pct');
  const needed = v.epochs_needed_per_arm ?? 0;
  assert.ok(needed > 0 && needed < 50, String(needed));
  // Running that many more epochs settles it in most fresh replications (the estimate targets 80 % power
  // at the observed effect; here the observed effect is close to the true one).
  let settled = 0;
  for (let seed = 500; seed < 540; seed++) {
    const more = judgeComparison(synthesize({ seed, rounds: 6 + needed, noise: 0.02, variants }), {
      baseline: 'base',
      candidate: 'cand',
      goal: 'speed',
    });
    if (more.verdict === 'NO-GO') settled++;
  }
  assert.ok(settled >= 24, `settled ${settled}/40`);
});

test('guardrails: a leaking or syscall-heavy candidate is NO-GO; the same condition in the baseline only withholds GO', () => {
  const leaky = synthesize({
    seed: 14,
    rounds: 6,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 1.1e6, rssPeak: 50 * MB, slopeBytesPerHour: 4 * MB },
    ],
  });
  const v = judgeComparison(leaky, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(v.verdict, 'NO-GO');
  assert.equal(v.decided_by, 'guard.leak');
  const both = synthesize({
    seed: 14,
    rounds: 6,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB, slopeBytesPerHour: 4 * MB },
      { name: 'cand', throughput: 1.1e6, rssPeak: 50 * MB, slopeBytesPerHour: 4 * MB },
    ],
  });
  const w = judgeComparison(both, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(w.verdict, 'NEUTRAL', JSON.stringify(w.reasons, null, 1));
  const sys = synthesize({
    seed: 15,
    rounds: 6,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 1.1e6, rssPeak: 50 * MB, syscallsPerOp: 3e-5 },
    ],
  });
  const s = judgeComparison(sys, { baseline: 'base', candidate: 'cand', goal: 'speed' });
  assert.equal(s.verdict, 'NO-GO');
  assert.equal(s.decided_by, 'syscalls_nogo_per_op');
});

test('the verdict is deterministic and JSON-safe', () => {
  const epochs = synthesize({
    seed: 16,
    rounds: 3,
    variants: [
      { name: 'base', throughput: 1e6, rssPeak: 50 * MB },
      { name: 'cand', throughput: 1e6, rssPeak: 50 * MB },
    ],
  });
  const a = judgeComparison(epochs, { baseline: 'base', candidate: 'cand', goal: 'memory' });
  const b = judgeComparison(epochs, { baseline: 'base', candidate: 'cand', goal: 'memory' });
  assert.deepEqual(a, b);
  const text = JSON.stringify(a);
  assert.deepEqual(JSON.parse(text), a, 'no NaN/Infinity lost in JSON');
});
