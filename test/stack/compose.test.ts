// docker-compose.yml and the Dockerfile, validated without a Docker engine: Debian's docker-compose
// parses and validates the file against the Compose schema (`config`), and the resolved structure is
// checked against what the overnight stack needs. The Dockerfile's steps are checked against the
// README's install command and the package's start script. test/stack/docker.test.ts runs both for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packageRoot } from '../../daemon/src/paths/index.js';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = packageRoot();
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

interface Healthcheck {
  test?: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  init?: boolean;
  stop_grace_period?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose config`: schema validation, interpolation and normalisation, as the real tool does it. */
function composeConfig(env: Record<string, string | undefined>): Compose {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  assert.equal(r.error, undefined, `docker-compose could not run (apt-get install docker-compose): ${String(r.error)}`);
  assert.equal(r.status, 0, `docker-compose config rejected docker-compose.yml:\n${r.stderr}`);
  return parseYaml(r.stdout) as Compose;
}

function service(c: Compose, name: string): Service {
  const s = c.services[name];
  assert.ok(s, `service ${name} missing`);
  return s;
}

/** Seconds of a compose duration such as "20s", "1m30s". */
function seconds(d: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  assert.ok(m && d !== '', `unexpected duration ${d}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

const withToken = composeConfig({ ALLOCSOAK_TOKEN: 'test-token-123', ALLOCSOAK_PLAN: undefined });
const withoutToken = composeConfig({ ALLOCSOAK_TOKEN: undefined, ALLOCSOAK_PLAN: undefined });
const quickPlan = composeConfig({ ALLOCSOAK_TOKEN: undefined, ALLOCSOAK_PLAN: 'plans/quick.yaml' });
const STACK = ['allocsoak', 'prometheus', 'grafana'];
const healthcheckText = (name: string): string => [service(withToken, name).healthcheck?.test ?? []].flat().join(' ');

test('three services, each with a healthcheck', () => {
  assert.deepEqual(Object.keys(withToken.services).sort(), [...STACK].sort());
  for (const name of STACK) {
    const hc = service(withToken, name).healthcheck;
    assert.ok(hc && Array.isArray(hc.test) && hc.test[0] === 'CMD' && hc.test.length > 1, `${name}: healthcheck test`);
    assert.ok(hc.interval && hc.timeout && (hc.retries ?? 0) >= 1, `${name}: interval, timeout, retries`);
  }
  // Each healthcheck asks the service's own health endpoint on its own port.
  assert.match(healthcheckText('allocsoak'), /127\.0\.0\.1:9477\/api\/v1\/health/);
  assert.match(healthcheckText('prometheus'), /127\.0\.0\.1:9090\/-\/ready/);
  assert.match(healthcheckText('grafana'), /127\.0\.0\.1:3000\/api\/health/);
});

test('start order: prometheus waits for a healthy daemon, grafana for a healthy prometheus', () => {
  assert.deepEqual(service(withToken, 'prometheus').depends_on, { allocsoak: { condition: 'service_healthy' } });
  assert.deepEqual(service(withToken, 'grafana').depends_on, { prometheus: { condition: 'service_healthy' } });
  assert.equal(service(withToken, 'allocsoak').depends_on, undefined);
});

test('ports are published on 127.0.0.1 only: 9477 daemon, 9090 prometheus, 3000 grafana', () => {
  const expected: Record<string, string> = { allocsoak: '9477', prometheus: '9090', grafana: '3000' };
  for (const name of STACK) {
    const ports = service(withToken, name).ports ?? [];
    assert.deepEqual(ports, [`127.0.0.1:${expected[name]}:${expected[name]}/tcp`], `${name} ports`);
  }
});

test('named volumes keep the SQLite file and the Prometheus data', () => {
  assert.deepEqual(Object.keys(withToken.volumes ?? {}).sort(), ['allocsoak-data', 'prometheus-data']);
  assert.ok(service(withToken, 'allocsoak').volumes?.includes('allocsoak-data:/data:rw'));
  assert.ok(service(withToken, 'prometheus').volumes?.includes('prometheus-data:/prometheus:rw'));
  assert.ok(service(withToken, 'prometheus').command?.includes('--storage.tsdb.path=/prometheus'));
});

test('the daemon: built from ./Dockerfile, init, a stop grace period longer than its 10 s shutdown', () => {
  const d = service(withToken, 'allocsoak');
  assert.equal(d.build?.context, ROOT);
  assert.equal(d.build?.dockerfile, 'Dockerfile');
  assert.equal(d.init, true);
  assert.ok(d.stop_grace_period && seconds(d.stop_grace_period) > 10, `stop_grace_period ${d.stop_grace_period}`);
});

test('ALLOCSOAK_TOKEN comes from the environment, empty (mutations disabled) when unset', () => {
  assert.equal(service(withToken, 'allocsoak').environment?.ALLOCSOAK_TOKEN, 'test-token-123');
  assert.equal(service(withoutToken, 'allocsoak').environment?.ALLOCSOAK_TOKEN, '');
  // No token is ever written into the file itself.
  const raw = parseYaml(read('docker-compose.yml')) as Compose;
  assert.equal(raw.services.allocsoak?.environment?.ALLOCSOAK_TOKEN, '${ALLOCSOAK_TOKEN:-}');
});

test('prometheus and grafana images are pinned to a release tag', () => {
  assert.match(service(withToken, 'prometheus').image ?? '', /^prom\/prometheus:v\d+\.\d+\.\d+$/);
  assert.match(service(withToken, 'grafana').image ?? '', /^grafana\/grafana:\d+\.\d+\.\d+$/);
});

test('prometheus gets its config and rules where the config expects them, and scrapes the daemon service', () => {
  const p = service(withToken, 'prometheus');
  assert.ok(p.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
  assert.ok(p.volumes?.includes(`${ROOT}/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro`));
  assert.ok(p.volumes?.includes(`${ROOT}/prometheus/rules:/etc/prometheus/rules:ro`));
  const cfg = parseYaml(read('prometheus/prometheus.yml')) as {
    global: { scrape_interval: string };
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  assert.deepEqual(cfg.rule_files, ['rules/*.yml']);
  const job = cfg.scrape_configs.find((j) => j.job_name === 'allocsoak');
  assert.ok(job, 'scrape job allocsoak');
  assert.equal(job.metrics_path, '/metrics');
  assert.deepEqual(
    job.static_configs.flatMap((s) => s.targets),
    ['allocsoak:9477'],
  );
  assert.ok(['5s', '15s'].includes(cfg.global.scrape_interval));
});

test('grafana: anonymous viewer, provisioning and dashboards mounted where the provider looks', () => {
  const g = service(withToken, 'grafana');
  assert.equal(g.environment?.GF_AUTH_ANONYMOUS_ENABLED, 'true');
  assert.equal(g.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
  assert.ok(g.volumes?.includes(`${ROOT}/grafana/provisioning:/etc/grafana/provisioning:ro`));
  const provider = parseYaml(read('grafana/provisioning/dashboards/allocsoak.yml')) as {
    providers: { type: string; options: { path: string } }[];
  };
  const dashPath = provider.providers[0]?.options.path;
  assert.equal(provider.providers[0]?.type, 'file');
  assert.ok(g.volumes?.includes(`${ROOT}/dashboards:${dashPath}:ro`), `dashboards/ mounted at ${dashPath}`);
  const home = g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
  assert.ok(home.startsWith(`${dashPath}/`));
  assert.doesNotThrow(() => read(path.join('dashboards', path.basename(home))), 'home dashboard exists');

  const ds = parseYaml(read('grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; url: string; jsonData: { timeInterval: string } }[];
  };
  const prom = parseYaml(read('prometheus/prometheus.yml')) as { global: { scrape_interval: string } };
  assert.equal(ds.datasources[0]?.url, 'http://prometheus:9090');
  assert.equal(ds.datasources[0]?.jsonData.timeInterval, prom.global.scrape_interval, 'timeInterval = scrape interval');
});

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\w+)\s+(.*)$/.exec(l);
      assert.ok(m, `unparsable Dockerfile line: ${l}`);
      return { op: (m[1] ?? '').toUpperCase(), args: m[2] ?? '' };
    });
}

/** The Dockerfile's stages: name, base image, instructions. */
function stages(): { name: string; from: string; steps: { op: string; args: string }[] }[] {
  const out: { name: string; from: string; steps: { op: string; args: string }[] }[] = [];
  for (const s of dockerfile()) {
    if (s.op === 'FROM') {
      const m = /^(\S+)\s+AS\s+(\S+)$/i.exec(s.args);
      assert.ok(m, `FROM without a stage name: ${s.args}`);
      out.push({ from: m[1] ?? '', name: m[2] ?? '', steps: [] });
    } else {
      assert.ok(out.length > 0, `${s.op} before FROM`);
      out[out.length - 1]?.steps.push(s);
    }
  }
  return out;
}
const runsOf = (steps: { op: string; args: string }[]): string[] => steps.filter((s) => s.op === 'RUN').map((s) => s.args);
const aptPackages = (runs: string[]): string[] =>
  runs.flatMap((r) => /apt-get install ((?:-[\w-]+\s+)*)([^&]+)/.exec(r)?.[2]?.trim().split(/\s+/) ?? []);

test('Dockerfile: two stages on one pinned Node 20 bookworm; compilers only in the build stage, peer allocators in the runtime', () => {
  const [build, runtime, ...more] = stages();
  assert.ok(build && runtime && more.length === 0, 'two stages: build, runtime');
  assert.equal(build.name, 'build');
  assert.equal(runtime.name, 'runtime');
  assert.match(build.from, /^node:20\.\d+\.\d+-bookworm$/);
  assert.equal(runtime.from, `${build.from}-slim`, 'the runtime is the same Node release, slim');
  assert.deepEqual(aptPackages(runsOf(build.steps)).sort(), ['g++', 'gcc', 'make', 'python3']);
  assert.deepEqual(aptPackages(runsOf(runtime.steps)).sort(), ['libjemalloc2', 'libmimalloc2.0']);
  for (const r of runsOf(runtime.steps)) assert.doesNotMatch(r, /\bnpm\b|\bmake\b|\bgcc\b/, `no build in the runtime stage: ${r}`);
  const copies = runtime.steps.filter((s) => s.op === 'COPY').map((s) => s.args);
  assert.deepEqual(copies, ['--from=build /opt/allocsoak ./'], 'the runtime takes the built tree from the build stage only');
});

test("Dockerfile: `npm ci`'s steps (install, dependency scripts, build), dev dependencies pruned, build arguments empty by default", () => {
  const build = stages()[0];
  assert.ok(build);
  const npm = runsOf(build.steps).flatMap((r) =>
    r
      .split(/;|&&/)
      .map((c) => c.trim())
      .filter((c) => /^(?:\w+=\S+\s+)*npm\s/.test(c)),
  );
  // The README's `npm ci` = install without scripts + the dependencies' install scripts + prepare (build).
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([, p]) => p.hasInstallScript)
    .map(([k]) => k.replace(/^.*node_modules\//, ''))
    .sort();
  assert.deepEqual(withScripts, Object.keys(pkg.allowScripts ?? {}).sort(), 'allowScripts names every dependency with an install script');
  assert.equal(pkg.scripts.prepare, 'npm run build');
  assert.deepEqual(npm, [
    'npm ci --ignore-scripts --no-audit --no-fund',
    'npm ls --all >/dev/null',
    `JOBS=max npm rebuild ${withScripts.join(' ')}`,
    'npm run build',
    'npm prune --omit=dev --no-audit --no-fund',
  ]);
  assert.match(read('README.md'), /`npm ci`/, 'the README names `npm ci`');
  assert.match(read('.ci/run'), /^npm ci$/m, 'CI installs with `npm ci` too');
  // The build arguments for this CI's network are optional and empty by default.
  const args = build.steps.filter((s) => s.op === 'ARG').map((s) => s.args);
  assert.deepEqual(args, ['NPM_EXTRA_CA_CERTS=""', 'NPM_NODEDIR=""', 'BETTER_SQLITE3_BINARY_HOST=""']);
});

test("Dockerfile: the runtime runs as node, with a healthcheck on /api/v1/health like the compose file's", () => {
  const runtime = stages()[1];
  assert.ok(runtime);
  const users = runtime.steps.filter((s) => s.op === 'USER').map((s) => s.args);
  assert.deepEqual(users, ['node']);
  const hc = runtime.steps.find((s) => s.op === 'HEALTHCHECK')?.args ?? '';
  const m = /^(.*?)CMD\s+(\[.*\])$/.exec(hc);
  assert.ok(m, `HEALTHCHECK ... CMD [...]: ${hc}`);
  assert.deepEqual(['CMD', ...(JSON.parse(m[2] ?? '') as string[])], service(withToken, 'allocsoak').healthcheck?.test);
  const hcCompose = service(withToken, 'allocsoak').healthcheck;
  for (const [flag, value] of [
    ['interval', hcCompose?.interval],
    ['timeout', hcCompose?.timeout],
    ['retries', String(hcCompose?.retries)],
  ]) {
    assert.match(m[1] ?? '', new RegExp(`--${flag}=${value}\\b`), `HEALTHCHECK --${flag} as in docker-compose.yml`);
  }
  assert.match(
    runtime.steps
      .filter((s) => s.op === 'RUN')
      .map((s) => s.args)
      .join(' '),
    /chown node:node \/data/,
  );
});

test("Dockerfile: the command is `npm start`'s daemon with the volume's database and all interfaces in the container", () => {
  const cmd = dockerfile().filter((s) => s.op === 'CMD');
  assert.equal(cmd.length, 1);
  const argv = JSON.parse(cmd[0]?.args ?? '') as string[];
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const expected = start
    .split(/\s+/)
    .map((a) => (a === 'data/allocsoak.db' ? '/data/allocsoak.db' : a))
    .concat(['--host', '0.0.0.0']);
  assert.deepEqual(argv, expected);
  assert.match(read('.dockerignore'), /^node_modules$/m);
  assert.match(read('.dockerignore'), /^dist$/m);
  // docker-compose.yml runs the same command, the plan from ALLOCSOAK_PLAN (default: the same plan).
  const withPlan = (plan: string): string[] => argv.map((a, i) => (argv[i - 1] === '--plan' ? plan : a));
  assert.deepEqual(service(withToken, 'allocsoak').command, argv);
  assert.deepEqual(service(quickPlan, 'allocsoak').command, withPlan('plans/quick.yaml'));
});

test('the plans come from the host: ./plans mounted read-only where the image has them', () => {
  const volumes = service(withToken, 'allocsoak').volumes ?? [];
  assert.ok(volumes.includes(`${ROOT}/plans:/opt/allocsoak/plans:ro`), volumes.join(', '));
  assert.ok(dockerfile().some((s) => s.op === 'WORKDIR' && s.args === '/opt/allocsoak'));
});
