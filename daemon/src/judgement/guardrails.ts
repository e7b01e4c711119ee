/**
 * The guardrails of a comparison: a candidate that crashes, leaks or drifts, or makes too many memory
 * syscalls per op is NO-GO whatever its ratios; the same condition shared with the baseline withholds GO.
 */
import type { Criteria } from './criteria.js';
import type { Measured } from './comparison-measure.js';
import type { VariantDrift } from './leak.js';
import { bytes, fmt, type Reason } from './types.js';

/**
 * What the guardrails found: `guards` force NO-GO (the candidate's doing); `caps` are conditions the
 * candidate shares with the baseline: not the change's doing, but they bar GO.
 */
export interface Guardrails {
  guards: string[];
  caps: string[];
}

export function checkGuardrails(m: Measured, c: Criteria, reasons: Reason[]): Guardrails {
  const found: Guardrails = { guards: [], caps: [] };
  guardCrashes(m, reasons, found);
  guardLeaks(m, c, reasons, found);
  guardSyscalls(m, c, reasons, found);
  return found;
}

function guardCrashes({ A, B, baseline, candidate }: Measured, reasons: Reason[], found: Guardrails): void {
  if (B.failed.length > 0) {
    const list = B.failed
      .map((e) => `epoch ${e.id} ${e.outcome}${e.signal ? ` (${e.signal})` : ''}${e.outcome_reason ? `: ${e.outcome_reason}` : ''}`)
      .join('; ');
    reasons.push({
      criterion: 'guard.crash',
      status: 'fail',
      decisive: true,
      message: `candidate ${candidate} ended ${B.failed.length} epoch(s) badly: ${list}`,
      value: B.failed.length,
      threshold: 0,
    });
    found.guards.push('guard.crash');
  }
  if (A.failed.length > 0) {
    reasons.push({
      criterion: 'guard.crash',
      status: 'info',
      decisive: false,
      message: `baseline ${baseline} ended ${A.failed.length} epoch(s) badly (${A.failed.map((e) => `${e.id} ${e.outcome}`).join(', ')}); they are left out of the statistics`,
      value: A.failed.length,
    });
  }
}

function guardLeaks({ driftA, driftB, baseline, candidate }: Measured, c: Criteria, reasons: Reason[], found: Guardrails): void {
  const leakyB = driftB.leak || driftB.drift;
  const leakyA = driftA.leak || driftA.drift;
  const driftLabel = (d: VariantDrift): string => (d.leak ? 'leaks' : 'drifts');
  const driftDetail = (d: VariantDrift): string =>
    d.reasons
      .filter((r) => r.status === 'fail')
      .map((r) => r.message)
      .join('; ');
  if (leakyB && !leakyA) {
    reasons.push({
      criterion: driftB.leak ? 'guard.leak' : 'guard.drift',
      status: 'fail',
      decisive: true,
      message: `candidate ${candidate} ${driftLabel(driftB)}: ${driftDetail(driftB)}`,
      value: driftB.slope_bytes_per_hour,
      low: driftB.slope_low,
      high: driftB.slope_high,
      threshold: c.leak_floor_bytes_per_hour,
    });
    found.guards.push(driftB.leak ? 'guard.leak' : 'guard.drift');
  } else if (leakyB && leakyA) {
    reasons.push({
      criterion: driftB.leak ? 'guard.leak' : 'guard.drift',
      status: 'fail',
      decisive: false,
      message: `both ${baseline} and ${candidate} leak or drift (${driftDetail(driftB)}); not the candidate's doing, but GO is withheld`,
    });
    found.caps.push(driftB.leak ? 'guard.leak' : 'guard.drift');
  } else if (driftB.verdict === 'CLEAN') {
    reasons.push({
      criterion: 'guard.leak',
      status: 'pass',
      decisive: false,
      message: `candidate ${candidate}: no leak (${driftB.flagged_epochs} of ${driftB.epochs.length} epochs surely over ${bytes(c.leak_floor_bytes_per_hour)}/h) and no drift`,
      value: driftB.slope_bytes_per_hour,
      low: driftB.slope_low,
      high: driftB.slope_high,
      threshold: c.leak_floor_bytes_per_hour,
    });
  } else if (driftB.verdict === 'UNDECIDED') {
    // Neither a leak nor surely none: said as such, not as "no leak and no drift".
    reasons.push({
      criterion: 'guard.leak',
      status: 'undecided',
      decisive: false,
      message: `candidate ${candidate}: leak and drift undecided: ${driftB.reasons
        .filter((r) => r.status === 'undecided')
        .map((r) => r.message)
        .join('; ')}`,
      value: driftB.slope_bytes_per_hour,
      threshold: c.leak_floor_bytes_per_hour,
    });
  }
}

function guardSyscalls({ sysMedA, sysMedB }: Measured, c: Criteria, reasons: Reason[], found: Guardrails): void {
  if (sysMedB !== null && sysMedB > c.syscalls_nogo_per_op) {
    const inherited = sysMedA !== null && sysMedA > c.syscalls_nogo_per_op && sysMedB <= sysMedA * 1.25;
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'fail',
      decisive: !inherited,
      message: inherited
        ? `syscalls per op ${fmt(sysMedB)} over the limit ${fmt(c.syscalls_nogo_per_op)}, as for the baseline (${fmt(sysMedA)}): inherited, but GO is withheld`
        : `candidate makes ${fmt(sysMedB)} memory syscalls per op (median), over the limit ${fmt(c.syscalls_nogo_per_op)} (baseline ${fmt(sysMedA)})`,
      value: sysMedB,
      threshold: c.syscalls_nogo_per_op,
    });
    (inherited ? found.caps : found.guards).push('syscalls_nogo_per_op');
  } else if (sysMedB === null) {
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'info',
      decisive: false,
      message: 'syscalls per op not measured for the candidate: syscall criteria skipped',
    });
  } else {
    reasons.push({
      criterion: 'syscalls_nogo_per_op',
      status: 'pass',
      decisive: false,
      message: `candidate memory syscalls per op ${fmt(sysMedB)} ≤ ${fmt(c.syscalls_nogo_per_op)}`,
      value: sysMedB,
      threshold: c.syscalls_nogo_per_op,
    });
  }
}
