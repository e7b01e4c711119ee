/**
 * Every child process of the daemon is started here, and only here.
 *
 * A child runs in its own process group (detached), so that stopping it stops everything it started:
 * the group gets SIGTERM, then SIGKILL after a grace period. stdout (and any extra pipe, e.g. the
 * launcher's report fd) arrive as capped lines; stderr is kept as a fixed-size tail. The result says
 * how the child ended (exit code or signal name) and whether the daemon killed it, and why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';
import { TailBuffer } from './tail-buffer.js';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_STDERR_TAIL_BYTES = 4096;
export const DEFAULT_KILL_GRACE_MS = 2000;
/** After the child exits, how long its pipes may stay open (held by an escaped grandchild) before we stop reading. */
const PIPE_DRAIN_MS = 1000;

export interface ProcessOptions {
  command: string;
  args: readonly string[];
  /** The child's whole environment (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called for each stdout line (without the newline). */
  onStdoutLine?: (line: string) => void;
  /** A stdout line longer than maxLineBytes was dropped. */
  onStdoutOverlong?: (bytes: number) => void;
  /** Extra pipes, given to the child as fds 3, 4, ...: their lines arrive here. */
  extraPipes?: number;
  onPipeLine?: (fd: number, line: string) => void;
  maxLineBytes?: number;
  stderrTailBytes?: number;
  /** Hard limit on the child's life: the group is killed and the result says `killedBy: 'timeout'`. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when the group is killed. */
  killGraceMs?: number;
  /** Aborting kills the group; the result says `killedBy: 'abort'`. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  /** undefined when the program could not be started at all (see spawnError). */
  pid: number | undefined;
  /** Exit code when the child exited normally, else null. */
  exitCode: number | null;
  /** Signal name (e.g. "SIGSEGV") when the child was killed by a signal, else null. */
  signal: NodeJS.Signals | null;
  /** Why the daemon killed the group, if it did: 'timeout', 'abort', or the caller's reason. */
  killedBy: string | null;
  /** The program could not be started (e.g. "spawn /x ENOENT"). */
  spawnError: string | null;
  stderrTail: string;
  stderrBytes: number;
  /** Lines written on stderr over the child's whole life (the tail may hold fewer). */
  stderrLines: number;
  durationMs: number;
}

export interface RunningProcess {
  /** The child's pid, which is also its process group id; undefined if it failed to start. */
  readonly pid: number | undefined;
  /** Kill the whole group: SIGTERM now, SIGKILL after the grace. The first reason given is kept. */
  kill(reason: string): void;
  readonly result: Promise<ProcessResult>;
}

/** Send a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

export function startProcess(options: ProcessOptions): RunningProcess {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const extraPipes = options.extraPipes ?? 0;
  const stderrTail = new TailBuffer(options.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES);
  const startedAt = performance.now();

  const child: ChildProcess = spawn(options.command, [...options.args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true, // own process group: pid == pgid
    stdio: ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(extraPipes).fill('pipe')],
  });
  const pid = child.pid;

  let killedBy: string | null = null;
  let exited = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;

  const kill = (reason: string): void => {
    if (exited || pid === undefined || killedBy !== null) return;
    killedBy = reason;
    signalGroup(pid, 'SIGTERM');
    graceTimer = setTimeout(() => {
      if (!exited) signalGroup(pid, 'SIGKILL');
    }, graceMs);
  };

  const onAbort = (): void => kill('abort');
  if (options.signal) {
    if (options.signal.aborted) queueMicrotask(onAbort);
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }
  if (options.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(() => kill('timeout'), options.timeoutMs);
  }

  // stdout and extra pipes as lines; stderr as a tail.
  const splitters: LineSplitter[] = [];
  const readLines = (
    stream: Readable | null | undefined,
    onLine: (line: string) => void,
    onOverlong: (n: number) => void,
  ): Promise<void> => {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter(maxLineBytes, { onLine, onOverlong });
    splitters.push(splitter);
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    return streamDone(stream).then(() => splitter.end());
  };
  const ignore = (): void => {};
  const streamsDone: Promise<void>[] = [readLines(child.stdout, options.onStdoutLine ?? ignore, options.onStdoutOverlong ?? ignore)];
  for (let i = 0; i < extraPipes; i++) {
    const fd = 3 + i;
    const stream = child.stdio[fd] as Readable | null | undefined;
    streamsDone.push(readLines(stream, (line) => options.onPipeLine?.(fd, line), ignore));
  }
  if (child.stderr) {
    child.stderr.on('data', (chunk: Buffer) => stderrTail.write(chunk));
    streamsDone.push(streamDone(child.stderr));
  }

  const result = new Promise<ProcessResult>((resolve) => {
    let spawnError: string | null = null;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const exitedPromise = new Promise<void>((done) => {
      child.on('error', (err) => {
        // 'error' without a pid: the program never started. With a pid it is a failed kill/send, which
        // signalGroup already covers; listening keeps it from crashing the daemon.
        if (pid === undefined) {
          spawnError = err.message;
          exited = true;
          done();
        }
      });
      child.once('exit', (code, signal) => {
        exited = true;
        exitCode = code;
        exitSignal = signal;
        // Nothing the child started may outlive it: whatever is left in its group goes too.
        if (pid !== undefined) signalGroup(pid, 'SIGKILL');
        done();
      });
    });
    void exitedPromise.then(async () => {
      const durationMs = performance.now() - startedAt;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Let the pipes drain the child's last words, but not forever.
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(streamsDone),
        new Promise<void>((r) => {
          drainTimer = setTimeout(r, PIPE_DRAIN_MS);
        }),
      ]);
      clearTimeout(drainTimer);
      for (const stream of [child.stdout, child.stderr, ...child.stdio.slice(3)]) {
        (stream as Readable | null | undefined)?.destroy();
      }
      resolve({
        pid,
        exitCode,
        signal: exitSignal,
        killedBy,
        spawnError,
        stderrTail: stderrTail.toString(),
        stderrBytes: stderrTail.totalBytes,
        stderrLines: stderrTail.totalLines,
        durationMs,
      });
    });
  });

  return { pid, kill, result };
}

/** Start a child and wait for its end. */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  return startProcess(options).result;
}

/** "exit code 3" / "signal SIGSEGV" / "could not start: ..." — for reasons and logs. */
export function describeTermination(r: Pick<ProcessResult, 'exitCode' | 'signal' | 'spawnError'>): string {
  if (r.spawnError !== null) return `could not start: ${r.spawnError}`;
  if (r.signal !== null) return `signal ${r.signal}`;
  return `exit code ${r.exitCode ?? 'unknown'}`;
}

function streamDone(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
