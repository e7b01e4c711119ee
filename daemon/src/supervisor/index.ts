/** The supervised epoch: one child process running a workload, with its protocol, memory and syscall counts. */
export { runEpoch, overstayMs, stallMs } from './run-epoch.js';
export type {
  EpochHooks,
  EpochLaunch,
  EpochOutcome,
  EpochResult,
  EpochSpec,
  EpochWorkload,
  PeakReset,
  SyscallSnapshot,
} from './run-epoch.js';
export { probeSyscallCounting } from './syscall-probe.js';
export type { SyscallCounting } from './syscall-probe.js';
export type { SyscallCounts } from './launcher-report.js';
export { checkAllocator, describeIdentity, LEANMALLOC_DEFAULT_PROFILE } from './allocator-identity.js';
export type { AllocatorExpectation, AllocatorIdentity } from './allocator-identity.js';
