/**
 * Every child process of the Docker stack test starts here: a hard timeout (the whole process group is
 * killed: SIGTERM, then SIGKILL), capped output (the tail is kept), and errors that say what ran, how it
 * ended and what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Why every command of this process is being stopped (the test's deadline passed, or a signal came), or
 * null. While set, running commands are killed and new ones fail at once; cleanup clears it with allowRuns().
 */
let abortReason: string | null = null;
const active = new Set<ChildProcess>();

/** Kill every running command's group and refuse new ones (and make waitFor give up) until allowRuns(). */
export function abortRuns(reason: string): void {
  abortReason = reason;
  for (const child of active) killGroup(child, 2000);
}

/** Commands may run again (the cleanup after abortRuns). */
export function allowRuns(): void {
  abortReason = null;
}

export function abortedBecause(): string | null {
  return abortReason;
}

export interface RunOptions {
  /** Hard limit; the group is killed and the run fails with "timed out". */
  timeoutMs: number;
  cwd?: string;
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed (default: stdin is /dev/null). */
  input?: string;
  /** Bytes of stdout and of stderr kept (their tails); default 1 MiB each. */
  maxOutputBytes?: number;
  /** Resolve with the result instead of throwing when the exit status is not 0 (timeouts still throw). */
  allowFailure?: boolean;
  /** Also kill the group when it prints nothing for this long (for commands that report as they go). */
  stallMs?: number;
  /** Called on every chunk of output (progress for a caller's own deadline). */
  onOutput?: () => void;
}

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Keeps the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.max && this.chunks.length > 1) {
      const first = this.chunks.shift() as Buffer;
      this.bytes -= first.length;
      this.dropped += first.length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    const cut = all.length > this.max ? all.subarray(all.length - this.max) : all;
    const dropped = this.dropped + (all.length - cut.length);
    return (dropped > 0 ? `[… ${dropped} bytes dropped …]\n` : '') + cut.toString('utf8');
  }
}

export function describeCommand(cmd: string, args: readonly string[]): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const shown = [cmd, ...args].map((a) => (a.length > 200 ? `${a.slice(0, 60)}…(${a.length} chars)` : a));
  return shown.map(quote).join(' ');
}

/** Kill a detached child's whole group: SIGTERM, then SIGKILL after `graceMs`. */
export function killGroup(child: ChildProcess, graceMs = 5000): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  t.unref();
}

export class CommandError extends Error {
  declare readonly result: RunResult;
  constructor(message: string, result: RunResult) {
    super(message);
    this.name = 'CommandError';
    // Not enumerable: the message already has the tails; a test report need not print the whole output.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

function tailLines(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const command = describeCommand(cmd, args);
  const max = opts.maxOutputBytes ?? 1024 * 1024;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (abortReason !== null) {
      reject(new Error(`${command}: not started: ${abortReason}`));
      return;
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    active.add(child);
    const out = new Tail(max);
    const err = new Tail(max);
    child.stdout?.on('data', (c: Buffer) => {
      out.push(c);
      opts.onOutput?.();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err.push(c);
      opts.onOutput?.();
    });
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    let timedOut = '';
    const timer = setTimeout(() => {
      timedOut = `timed out after ${opts.timeoutMs} ms`;
      killGroup(child);
    }, opts.timeoutMs);
    // A stall limit: no output for stallMs (a command that prints as it works and has stopped doing so).
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = (): void => {
      if (opts.stallMs === undefined) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        timedOut = `printed nothing for ${opts.stallMs} ms`;
        killGroup(child);
      }, opts.stallMs);
    };
    armStall();
    child.stdout?.on('data', armStall);
    child.stderr?.on('data', armStall);
    child.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(stallTimer);
      active.delete(child);
      reject(new Error(`${command}: could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(stallTimer);
      active.delete(child);
      if (abortReason !== null && !timedOut && (code !== 0 || signal !== null)) timedOut = `killed: ${abortReason}`;
      const result: RunResult = { command, code, signal, stdout: out.text(), stderr: err.text(), ms: performance.now() - started };
      const output = `\n--- stderr (tail) ---\n${tailLines(result.stderr, 40)}\n--- stdout (tail) ---\n${tailLines(result.stdout, 20)}`;
      if (timedOut) {
        reject(new CommandError(`${command}: ${timedOut} (process group killed)${output}`, result));
      } else if ((code !== 0 || signal !== null) && !opts.allowFailure) {
        reject(new CommandError(`${command}: exited ${signal ?? code}${output}`, result));
      } else {
        resolve(result);
      }
    });
  });
}

/** A long-running program (dockerd) in its own process group, its output appended to `logFile`. */
export function startBackground(cmd: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    child.on('error', () => undefined); // reported by the caller through exitCode / the log
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Whatever was thrown, as an Error. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Thrown by a waitFor probe: stop polling at once and fail with this error. */
export class GiveUp extends Error {
  constructor(
    message: string,
    readonly error?: unknown,
  ) {
    super(message);
    this.name = 'GiveUp';
  }
}

/**
 * Poll `probe` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. A probe
 * that throws is tried again (the last error is reported on timeout), unless it throws GiveUp.
 */
export async function waitFor<T>(what: string, timeoutMs: number, everyMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  return waitProgress(what, { stallMs: timeoutMs, everyMs }, async () => ({ value: await probe(), progress: '' }));
}

export interface ProgressProbe<T> {
  /** The awaited value; undefined = not yet. */
  value: T | undefined;
  /** What the awaited thing has done so far (e.g. epochs and their outcomes): a change is progress. */
  progress: string;
}

/**
 * Poll `probe` every `everyMs` until it returns a value. The deadline is derived from what can be seen:
 * it fails when the probe's `progress` has not changed for `stallMs` (nothing is happening, however busy
 * the machine), or after `capMs` in all (default: no cap beyond the stall limit). A probe that throws is
 * tried again (the last error is reported), unless it throws GiveUp; abortRuns() ends the wait.
 */
export async function waitProgress<T>(
  what: string,
  limits: { stallMs: number; everyMs: number; capMs?: number },
  probe: () => Promise<ProgressProbe<T>>,
): Promise<T> {
  const start = Date.now();
  let lastChange = start;
  let progress: string | null = null;
  let last: unknown;
  for (;;) {
    if (abortReason !== null) throw new Error(`stopped waiting for ${what}: ${abortReason}`);
    try {
      const p = await probe();
      if (p.value !== undefined) return p.value;
      if (p.progress !== progress) {
        if (progress !== null) lastChange = Date.now();
        progress = p.progress;
      }
      last = undefined;
    } catch (e) {
      if (e instanceof GiveUp) throw asError(e.error ?? e);
      last = e;
    }
    const now = Date.now();
    const stalled = now - lastChange >= limits.stallMs;
    const capped = limits.capMs !== undefined && now - start >= limits.capMs;
    if (stalled || capped) {
      const why = last instanceof Error ? `; last error: ${last.message}` : '';
      const seen = progress ? `; last seen: ${progress}` : '';
      const how = capped
        ? `gave up after ${limits.capMs} ms in all`
        : progress === '' || progress === null
          ? `timed out after ${limits.stallMs} ms`
          : `no progress for ${limits.stallMs} ms (waited ${now - start} ms)`;
      throw new Error(`${how} waiting for ${what}${seen}${why}`);
    }
    await new Promise((r) => setTimeout(r, limits.everyMs));
  }
}
