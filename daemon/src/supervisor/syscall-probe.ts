/**
 * Can the launcher count memory syscalls here? Counting needs a seccomp filter (SECCOMP_RET_TRACE) and
 * ptrace of the workload; a restrictive container profile (seccomp, AppArmor, gVisor) may refuse either,
 * and then every epoch would fail before its workload starts. The daemon asks once at start-up, with a
 * trivial program, and runs epochs without counting (syscalls per op unmeasured) when the answer is no.
 */
import { describeTermination, runProcess } from '../exec/index.js';

export type SyscallCounting = { ok: true } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 10_000;

export async function probeSyscallCounting(launcher: string, program = '/bin/true'): Promise<SyscallCounting> {
  const r = await runProcess({
    command: launcher,
    args: ['--count-syscalls', '--', program],
    timeoutMs: PROBE_TIMEOUT_MS,
    killGraceMs: 500,
  });
  if (r.exitCode === 0) return { ok: true };
  const stderr = r.stderrTail.trim().split('\n').filter(Boolean).at(-1);
  return {
    ok: false,
    reason: `${launcher} --count-syscalls -- ${program}: ${r.killedBy === 'timeout' ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : describeTermination(r)}${stderr ? ` (${stderr})` : ''}`,
  };
}
