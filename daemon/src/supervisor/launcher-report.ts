/**
 * Lines the launcher (native soak-launch) writes on its report fd: the workload's pid once it runs,
 * memory-syscall counts as they change, and how the workload ended.
 */
import { COUNTED_SYSCALLS, type CountedSyscall } from '../domain/types.js';

export type SyscallCounts = Record<CountedSyscall, number>;

export type LauncherReport =
  | { type: 'launched'; pid: number }
  | { type: 'syscalls'; counts: SyscallCounts }
  | { type: 'exit'; code: number; signal: null }
  | { type: 'exit'; code: null; signal: string };

/** Parse one report line; null for anything unrecognised (a newer launcher may say more). */
export function parseLauncherReport(line: string): LauncherReport | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  switch (o.type) {
    case 'launched':
      return Number.isInteger(o.pid) && (o.pid as number) > 0 ? { type: 'launched', pid: o.pid as number } : null;
    case 'syscalls': {
      const counts = {} as SyscallCounts;
      for (const name of COUNTED_SYSCALLS) {
        const n = o[name];
        counts[name] = typeof n === 'number' && Number.isFinite(n) ? n : 0;
      }
      return { type: 'syscalls', counts };
    }
    case 'exit':
      if (typeof o.signal === 'string') return { type: 'exit', code: null, signal: o.signal };
      if (Number.isInteger(o.code)) return { type: 'exit', code: o.code as number, signal: null };
      return null;
    default:
      return null;
  }
}
