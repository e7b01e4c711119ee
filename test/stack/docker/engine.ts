/**
 * A private Docker engine for the stack test: Debian's dockerd started by hand with its own data root
 * (kept between runs as the image cache), exec root, pid file, config file, trust key and unix socket,
 * and no say over the host's network: `--iptables=false --ip6tables=false --bridge=none`, containers use
 * host networking. stop() removes every container, stops dockerd (and the containerd it started), kills
 * any process left in its containers, unmounts what it left mounted and removes the system directories
 * it created.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SYSTEM_PATHS } from './host-state.js';
import { GiveUp, run, startBackground, waitFor, type RunOptions, type RunResult } from './proc.js';

export class EngineUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineUnavailable';
  }
}

export interface EngineOptions {
  /** Persistent directory: dockerd's data root (images, build cache) and trust key live here. */
  cacheDir: string;
  /** Fresh, short directory (unix socket paths are limited): exec root, socket, pid file, logs. */
  workDir: string;
  log: (message: string) => void;
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    if (dir === '') continue;
    const p = path.join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Why no engine can run here, or null. Checks what can be known without starting one. */
export function engineUnavailableReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs Linux x86-64 (this is ${process.platform} ${process.arch})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'needs root: the test starts its own dockerd (rootless Docker is not attempted)';
  }
  const missing = ['dockerd', 'containerd', 'runc', 'docker-init', 'docker-compose', 'debootstrap', 'ip', 'tar'].filter(
    (c) => onPath(c) === null,
  );
  if (missing.length > 0) {
    return `missing programs: ${missing.join(', ')} (apt-get install docker.io docker-compose debootstrap iproute2; see .ci/run)`;
  }
  if (dockerCli() === null) return 'no docker client (apt-get install docker.io)';
  const fs = readFileSync('/proc/filesystems', 'utf8');
  if (!/\boverlay$/m.test(fs) && !existsSync('/lib/modules'))
    return 'the kernel has no overlay file system (needed for the overlay2 storage driver)';
  if (!existsSync('/sys/fs/cgroup') || readdirSync('/sys/fs/cgroup').length === 0) return 'no cgroup file system mounted at /sys/fs/cgroup';
  return null;
}

/** Debian's docker client (the same release as its dockerd) when installed, else the first on PATH. */
export function dockerCli(): string | null {
  if (existsSync('/usr/bin/docker')) return '/usr/bin/docker';
  return onPath('docker');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Mount points at or below `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((mp) => mp.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((mp) => mp === dir || mp.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Pids whose command line names `needle`, or whose cgroup names one of `containerIds`. */
function processesOf(needle: string, containerIds: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const cgroup = containerIds.length > 0 ? readFileSync(`/proc/${pid}/cgroup`, 'utf8') : '';
      if (cmdline.includes(needle) || containerIds.some((id) => cgroup.includes(id))) pids.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** What a run records in its lock file, so that a later run can clean up after one that was killed. */
export interface EngineRecord {
  dockerdPid: number;
  workDir: string;
}

/**
 * Clean up after a run of this test that was killed before it could (SIGKILL, a machine's OOM killer):
 * its dockerd is stopped (SIGTERM: it stops its containers and its containerd), what is left naming its
 * exec root is killed, what it left mounted is unmounted, its scratch directory removed. Only processes
 * whose command line names that run's own exec root or data root are touched. Returns what was done.
 */
export async function recoverAbandoned(record: EngineRecord, dataRoot: string): Promise<string[]> {
  const done: string[] = [];
  const execRoot = path.join(record.workDir, 'exec');
  const isOurs = (pid: number): boolean => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes(`--data-root=${dataRoot}`) && cmd.includes(execRoot);
    } catch {
      return false;
    }
  };
  if (record.dockerdPid > 0 && isOurs(record.dockerdPid)) {
    process.kill(record.dockerdPid, 'SIGTERM');
    done.push(`stopped the dockerd (pid ${record.dockerdPid}) of an earlier run`);
    const deadline = Date.now() + 60_000;
    while (processAlive(record.dockerdPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    if (processAlive(record.dockerdPid)) process.kill(record.dockerdPid, 'SIGKILL');
  }
  for (const pid of processesOf(execRoot, [])) {
    try {
      process.kill(pid, 'SIGKILL');
      done.push(`killed pid ${pid} (of an earlier run's engine)`);
    } catch {
      /* gone */
    }
  }
  for (const mp of [...mountsUnder(execRoot), ...mountsUnder(dataRoot)]) {
    await run('umount', ['-l', mp], { timeoutMs: 30_000, allowFailure: true });
    done.push(`unmounted ${mp}`);
  }
  if (record.workDir.startsWith('/tmp/allocsoak-dk-') && existsSync(record.workDir) && mountsUnder(record.workDir).length === 0) {
    rmSync(record.workDir, { recursive: true, force: true });
  }
  // The empty directories a dockerd and its containerd create under /run, unless another engine runs.
  if (!anyEngineRunning()) {
    for (const p of [...SYSTEM_PATHS].sort((a, b) => b.length - a.length).filter((x) => x.startsWith('/run/'))) {
      try {
        if (statSync(p).isDirectory() && readdirSync(p).length === 0) {
          rmdirSync(p);
          done.push(`removed the empty ${p}`);
        }
      } catch {
        /* absent */
      }
    }
  }
  return done;
}

function anyEngineRunning(): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^(dockerd|containerd)$/.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}

export class DockerEngine {
  readonly socket: string;
  readonly execRoot: string;
  readonly dataRoot: string;
  readonly logFile: string;
  private readonly docker: string;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | null = null;
  private readonly createdSystemPaths: string[] = [];
  private stopped = false;

  private constructor(private readonly opts: EngineOptions) {
    this.dataRoot = path.join(opts.cacheDir, 'data-root');
    this.execRoot = path.join(opts.workDir, 'exec');
    this.socket = path.join(opts.workDir, 'docker.sock');
    this.logFile = path.join(opts.workDir, 'dockerd.log');
    const docker = dockerCli();
    if (docker === null) throw new EngineUnavailable('no docker client');
    this.docker = docker;
    const config = path.join(opts.workDir, 'client-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'config.json'), '{}\n');
    this.env = {
      ...process.env,
      DOCKER_HOST: `unix://${this.socket}`,
      // Not ~/.docker: no credential helpers, no contexts of the machine's user.
      DOCKER_CONFIG: config,
      // The classic builder (docker build) and docker-py (docker-compose v1) speak to this engine alike.
      DOCKER_BUILDKIT: '0',
      COMPOSE_DOCKER_CLI_BUILD: '0',
      COMPOSE_INTERACTIVE_NO_CLI: '1',
    };
  }

  /** Start dockerd; throws EngineUnavailable (with its log) when it does not come up. */
  static async start(opts: EngineOptions): Promise<DockerEngine> {
    const engine = new DockerEngine(opts);
    await engine.startDaemon();
    return engine;
  }

  private async startDaemon(): Promise<void> {
    mkdirSync(this.dataRoot, { recursive: true });
    for (const p of SYSTEM_PATHS) if (!existsSync(p)) this.createdSystemPaths.push(p);
    // Our own configuration file, not /etc/docker/daemon.json. dockerd 20.10 writes a trust key to
    // /etc/docker/key.json unless told otherwise (a configuration key only, no command-line flag).
    const daemonJson = path.join(this.opts.workDir, 'daemon.json');
    writeFileSync(daemonJson, `${JSON.stringify({ 'deprecated-key-path': path.join(this.opts.cacheDir, 'key.json') })}\n`);
    const args = [
      `--data-root=${this.dataRoot}`,
      `--exec-root=${this.execRoot}`,
      `--pidfile=${path.join(this.opts.workDir, 'dockerd.pid')}`,
      `--host=unix://${this.socket}`,
      `--config-file=${daemonJson}`,
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--bridge=none',
      '--userland-proxy=false',
      '--storage-driver=overlay2',
    ];
    this.opts.log(`dockerd ${args.join(' ')}`);
    this.child = startBackground('dockerd', args, this.logFile);
    const child = this.child;
    // Should this process end without stop() (a test runner's timeout, an uncaught error), dockerd must
    // not outlive it: SIGTERM makes it stop its containers and containerd.
    process.once('exit', this.killOnExit);
    try {
      await waitFor('dockerd to answer on its socket', 90_000, 500, async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new GiveUp(
            'dockerd exited',
            new EngineUnavailable(`dockerd exited (${child.signalCode ?? child.exitCode}) at start:\n${this.logTail(30)}`),
          );
        }
        if (!existsSync(this.socket)) return undefined;
        const r = await this.run(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000, allowFailure: true });
        return r.code === 0 ? r.stdout.trim() : undefined;
      });
    } catch (e) {
      if (e instanceof EngineUnavailable) throw e;
      throw new EngineUnavailable(`dockerd did not come up: ${(e as Error).message}\n${this.logTail(30)}`);
    }
    const driver = (await this.run(['info', '--format', '{{.Driver}}'], { timeoutMs: 20_000 })).stdout.trim();
    if (driver !== 'overlay2') throw new EngineUnavailable(`dockerd runs with storage driver ${driver}, not overlay2`);
  }

  /** For the lock file (see recoverAbandoned). */
  record(): EngineRecord {
    return { dockerdPid: this.child?.pid ?? 0, workDir: this.opts.workDir };
  }

  logTail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  }

  /** The docker client against this engine. */
  run(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    return run(this.docker, args, { ...opts, env: { ...this.env, ...(opts.env ?? {}) } });
  }

  /** docker-compose (v1) against this engine. */
  compose(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    return run('docker-compose', args, { ...opts, env: { ...this.env, ...(opts.env ?? {}) } });
  }

  async imageExists(ref: string): Promise<boolean> {
    const r = await this.run(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutMs: 30_000, allowFailure: true });
    return r.code === 0;
  }

  async imageLabel(ref: string, label: string): Promise<string | null> {
    const r = await this.run(['image', 'inspect', '--format', `{{ index .Config.Labels "${label}" }}`, ref], {
      timeoutMs: 30_000,
      allowFailure: true,
    });
    if (r.code !== 0) return null;
    const v = r.stdout.trim();
    return v === '' || v === '<no value>' ? null : v;
  }

  /**
   * Remove every container, stop dockerd (SIGTERM; SIGKILL after 60 s), kill what is left of its
   * containers and containerd, unmount what it left under its roots, remove the system directories it
   * created. Safe to call twice; collects problems and throws them together at the end.
   */
  private readonly killOnExit = (): void => {
    this.emergencyStopSync();
  };

  /**
   * The last resort, synchronous so that it can run in an 'exit' handler (an uncaught error, process.exit):
   * SIGTERM to dockerd (it stops its containers and containerd), up to 60 s for it to end, then SIGKILL;
   * unmount what is left under its roots, remove the empty system directories it created.
   */
  emergencyStopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.child?.pid;
    if (pid !== undefined && this.child?.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(pid, 'SIGTERM');
        spawnSync(
          'sh',
          [
            '-c',
            `i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 120 ]; do sleep 0.5; i=$((i+1)); done; kill -9 ${pid} 2>/dev/null; true`,
          ],
          { timeout: 70_000, stdio: 'ignore' },
        );
      } catch {
        /* gone */
      }
    }
    for (const p of processesOf(this.execRoot, [])) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const mp of [...mountsUnder(this.execRoot), ...mountsUnder(this.dataRoot)]) {
      spawnSync('umount', ['-l', mp], { timeout: 30_000, stdio: 'ignore' });
    }
    for (const p of [...this.createdSystemPaths].sort((a, b) => b.length - a.length)) {
      try {
        if (statSync(p).isDirectory() && readdirSync(p).length === 0) rmdirSync(p);
      } catch {
        /* absent */
      }
    }
    if (mountsUnder(this.execRoot).length === 0) rmSync(this.execRoot, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.killOnExit);
    const problems: string[] = [];
    const child = this.child;
    let containerIds: string[] = [];
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        const ps = await this.run(['ps', '-aq', '--no-trunc'], { timeoutMs: 30_000 });
        containerIds = ps.stdout.split('\n').filter((l) => l.trim() !== '');
        if (containerIds.length > 0) await this.run(['rm', '-f', '-v', ...containerIds], { timeoutMs: 120_000 });
      } catch (e) {
        problems.push(`removing containers: ${(e as Error).message}`);
      }
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      const pid = child.pid as number;
      process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => {
        problems.push('dockerd did not stop within 60 s of SIGTERM: killed');
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 60_000);
      await exited;
      clearTimeout(killer);
    }
    // containerd and its shims name the exec root on their command lines; container processes are in
    // cgroups named after their container.
    for (let round = 0; round < 10; round++) {
      const left = processesOf(this.execRoot, containerIds);
      if (left.length === 0) break;
      if (round === 0) problems.push(`processes left after dockerd stopped (killed): ${left.join(', ')}`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const root of [this.execRoot, this.dataRoot]) {
      for (const mp of mountsUnder(root)) {
        const r = await run('umount', [mp], { timeoutMs: 30_000, allowFailure: true });
        if (r.code !== 0) {
          const lazy = await run('umount', ['-l', mp], { timeoutMs: 30_000, allowFailure: true });
          if (lazy.code !== 0) problems.push(`cannot unmount ${mp}: ${r.stderr.trim()} / ${lazy.stderr.trim()}`);
        }
        if (root === this.dataRoot) problems.push(`dockerd left ${mp} mounted (unmounted)`);
      }
    }
    // Directories a default dockerd/containerd creates even when pointed elsewhere (/run/docker/plugins,
    // /run/containerd/s for shim sockets): removed when this engine created them and they are empty.
    for (const p of [...this.createdSystemPaths].sort((a, b) => b.length - a.length)) {
      if (!existsSync(p)) continue;
      try {
        if (statSync(p).isDirectory() && readdirSync(p).length === 0) rmdirSync(p);
      } catch (e) {
        problems.push(`cannot remove ${p}: ${(e as Error).message}`);
      }
    }
    if (existsSync(this.execRoot) && mountsUnder(this.execRoot).length === 0) rmSync(this.execRoot, { recursive: true, force: true });
    if (child && processAlive(child.pid as number)) problems.push(`dockerd (pid ${child.pid}) still alive`);
    if (problems.length > 0) throw new Error(`stopping the engine:\n${problems.join('\n')}`);
  }
}
