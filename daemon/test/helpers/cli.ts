/** Running the real `allocsoak` CLI (dist/daemon/src/cli/main.js) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './native.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`allocsoak ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // 'exit' may come before the pipes are drained
      child.stdout.once('close', () => resolve({ code, signal, stdout, stderr }));
      if (child.stdout.closed) resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface DaemonProcess {
  child: ChildProcess;
  url: Promise<string>;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `allocsoak daemon ...`; `url` resolves from the "serving" log line. */
export function startDaemon(args: string[]): DaemonProcess {
  return startServing('daemon', args);
}

/** Start a serving command (`daemon`, `serve`); `url` resolves from its "serving" log line. */
export function startServing(command: 'daemon' | 'serve', args: string[]): DaemonProcess {
  const child = spawn(process.execPath, [CLI, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  let resolveUrl: (u: string) => void;
  let rejectUrl: (e: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        logs.push(obj);
        if (typeof obj.url === 'string' && String(obj.msg).includes('serving')) resolveUrl(obj.url);
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => {
      rejectUrl(new Error(`${command} exited (${code ?? signal}) before serving:\n${stderr}`));
      res({ code, signal });
    }),
  );
  return { child, url, logs, stderr: () => stderr, exited };
}
