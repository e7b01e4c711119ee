/**
 * Every child process of the Docker stack test starts here: a hard timeout (the whole process group is
 * killed: SIGTERM, then SIGKILL), capped output (the tail is kept), and errors that say what ran, how it
 * ended and what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

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
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = new Tail(max);
    const err = new Tail(max);
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = { command, code, signal, stdout: out.text(), stderr: err.text(), ms: performance.now() - started };
      const output = `\n--- stderr (tail) ---\n${tailLines(result.stderr, 40)}\n--- stdout (tail) ---\n${tailLines(result.stdout, 20)}`;
      if (timedOut) {
        reject(new CommandError(`${command}: timed out after ${opts.timeoutMs} ms (process group killed)${output}`, result));
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
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = undefined;
    } catch (e) {
      if (e instanceof GiveUp) throw asError(e.error ?? e);
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: last error: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
