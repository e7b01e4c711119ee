/** The words and tables a bisect prints: one line per step, and the evidence table at the end. */
import { MISSING, significant } from '../domain/format.js';
import type { BisectCommit, BisectStepRecord } from '../storage/index.js';

export const short = (sha: string): string => sha.slice(0, 10);

/** "0.9871 [0.9812, 0.9933]", or what is known of it. */
export function ratioText(ratio: number | null, lo: number | null, hi: number | null): string {
  if (ratio === null) return MISSING;
  const interval = lo === null || hi === null ? '[no interval yet]' : `[${significant(lo, 4)}, ${significant(hi, 4)}]`;
  return `${significant(ratio, 4)} ${interval}`;
}

/** A step's verdict and figures in a few words: "NO-GO, throughput per CPU-second 0.91 [0.9, 0.92], 7 pairs". */
export function evidenceText(
  s: Pick<BisectStepRecord, 'build_ok' | 'build_note' | 'verdict' | 'measure' | 'ratio' | 'ratio_lo' | 'ratio_hi' | 'pairs'>,
): string {
  if (!s.build_ok) return `build failed: ${(s.build_note ?? '').split('\n')[0] ?? ''}`;
  if (s.verdict === null) return s.measure ?? 'not measured';
  return `${s.verdict}, ${s.measure ?? 'ratio'} ${ratioText(s.ratio, s.ratio_lo, s.ratio_hi)}, ${s.pairs ?? 0} pairs`;
}

/** "1a2b3c4d5e subject" of a commit of the range (or the sha alone). */
export function commitText(commits: readonly BisectCommit[], sha: string): string {
  const c = commits.find((x) => x.commit === sha);
  return c === undefined || c.subject === '' ? short(sha) : `${short(sha)} ${c.subject}`;
}

/** Every step of a run as a table, in the order they ran. */
export function evidenceTable(steps: readonly BisectStepRecord[], commits: readonly BisectCommit[]): string {
  const header = ['step', 'role', 'commit', 'outcome', 'verdict', 'ratio [interval]', 'pairs', 'measure / note', 'subject'];
  const rows = steps.map((s, i) => [
    String(i + 1),
    s.role,
    short(s.commit_sha),
    s.outcome,
    s.verdict ?? MISSING,
    ratioText(s.ratio, s.ratio_lo, s.ratio_hi),
    s.pairs === null ? MISSING : String(s.pairs),
    s.build_ok ? (s.measure ?? MISSING) : `build failed: ${(s.build_note ?? '').split('\n')[0] ?? ''}`,
    commits.find((c) => c.commit === s.commit_sha)?.subject ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
