/**
 * better-sqlite3's addon for the image build, the way a machine with GitHub access gets it: as a prebuilt
 * binary that prebuild-install downloads (here from a mirror on 127.0.0.1, prebuild-install's
 * `better_sqlite3_binary_host`, given to the Dockerfile as the build argument BETTER_SQLITE3_BINARY_HOST).
 * GitHub cannot be reached from the machines this runs on, so without it the build compiles SQLite from
 * source, the longest step of a cold build (2–3 minutes on a busy 2-core machine). The binary served is the
 * one `npm ci` compiled on this host for the same better-sqlite3 release and the same Node release (the
 * test already requires the Dockerfile's Node to be the one it runs on), offered only when the host's
 * glibc is not newer than the image's.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { run } from './proc.js';

export interface SqlitePrebuilt {
  /** The value of the build argument BETTER_SQLITE3_BINARY_HOST. */
  host: string;
  /** sha256 of better_sqlite3.node, to recognise it in the image. */
  sha256: string;
  /** Paths requested from the mirror. */
  requests: string[];
  close(): Promise<void>;
}

/** "2.36" ≤ "2.41"? */
export function versionAtMost(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return true;
}

export function hostGlibc(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/**
 * Why no prebuilt can be offered (the build then compiles), or null. `imageGlibc`: the glibc of the
 * image's Node base.
 */
export function prebuiltUnavailableReason(root: string, imageGlibc: string | null): string | null {
  const pkgFile = path.join(root, 'node_modules/better-sqlite3/package.json');
  const binary = path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (!existsSync(pkgFile) || !existsSync(binary)) return 'better-sqlite3 is not built in node_modules (run npm ci)';
  const installed = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const locked = lock.packages['node_modules/better-sqlite3']?.version;
  if (installed !== locked) return `node_modules has better-sqlite3 ${installed}, package-lock.json ${String(locked)}`;
  const host = hostGlibc();
  if (host === null) return "this host's C library is not glibc";
  if (imageGlibc === null || !versionAtMost(host, imageGlibc))
    return `the host's glibc ${host} is newer than the image's ${String(imageGlibc)}`;
  return null;
}

/**
 * Package the host's addon as prebuild-install expects it and serve it on 127.0.0.1. The URL holds the
 * binary's hash, so the build argument (and with it Docker's layer cache) changes exactly when the binary does.
 */
export async function serveSqlitePrebuilt(root: string, workDir: string, log: (m: string) => void): Promise<SqlitePrebuilt> {
  const pkgDir = path.join(root, 'node_modules/better-sqlite3');
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const binary = path.join(pkgDir, 'build/Release/better_sqlite3.node');
  const sha256 = createHash('sha256').update(readFileSync(binary)).digest('hex');
  const stage = path.join(workDir, 'sqlite-prebuilt');
  mkdirSync(path.join(stage, 'build/Release'), { recursive: true });
  copyFileSync(binary, path.join(stage, 'build/Release/better_sqlite3.node'));
  // prebuild-install's name: {name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz (libc empty for glibc).
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-linux-x64.tar.gz`;
  const tarball = path.join(workDir, file);
  await run('tar', ['--owner=0', '--group=0', '-czf', tarball, '-C', stage, 'build'], { timeoutMs: 60_000 });
  const body = readFileSync(tarball);
  const prefix = `/${sha256.slice(0, 16)}`;
  const wanted = `${prefix}/v${version}/${file}`;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.method === 'GET' && req.url === wanted) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  // A fixed port when free, so that the build argument, and the layer cache with it, stays the same between runs.
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  const port = await listen(49477).catch(() => listen(0));
  const host = `http://127.0.0.1:${port}${prefix}`;
  log(`better-sqlite3 ${version}: this host's addon (sha256 ${sha256.slice(0, 12)}) offered to the build at ${host}`);
  return {
    host,
    sha256,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
