/**
 * The daemon's own web page as a fastify plugin: GET / and the few static assets it needs, all
 * served from this package (these machines have no internet, so no CDN):
 * - /                 the page (daemon/src/web/static/index.html)
 * - /assets/web/…     its stylesheet and icon (daemon/src/web/static/)
 * - /assets/src/…     the browser modules as tsc compiles them (dist/daemon/src/): only web/client/ and the
 *                      pure domain/ it imports (number formats), so the modules' relative imports resolve
 * - /assets/uplot/…   the vendored plotting library (node_modules/uplot/dist: ESM build and CSS only)
 * The page reads only the REST API; nothing here computes data.
 */
import fastifyStatic from '@fastify/static';
// Type-only: brings in swagger's `schema.hide`, so the page's routes stay out of the OpenAPI document.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths/index.js';

/**
 * Everything comes from this origin; uPlot positions its elements with inline styles, hence
 * 'unsafe-inline' for styles only (no inline scripts).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** The files of uplot/dist the page uses; nothing else there is served. */
const UPLOT_FILES = new Set(['uPlot.esm.js', 'uPlot.min.css']);

/** The folders of the compiled sources the browser loads: the page's modules and the pure layer they import. */
const BROWSER_MODULE_DIRS = ['/web/client/', '/domain/'];

/**
 * Whether a requested path (after the prefix) is a browser module. The path is checked as the file server will
 * read it, decoded; one that does not normalise to itself ("..", "//", an encoded "/") could leave the folder
 * it names and is refused.
 */
function isBrowserModule(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  if (posix.normalize(decoded) !== decoded) return false;
  return BROWSER_MODULE_DIRS.some((dir) => decoded.startsWith(dir)) && (decoded.endsWith('.js') || decoded.endsWith('.js.map'));
}

export interface WebAssetDirs {
  /** HTML, CSS, icon: source files used as they are. */
  staticDir: string;
  /** The compiled daemon sources (dist/daemon/src/): of these, the browser modules and domain/ are served. */
  compiledSrcDir: string;
  /** node_modules/uplot/dist */
  uplotDir: string;
}

/** Where the assets are, whether the daemon runs from dist/ or elsewhere in the package. */
export function webAssetDirs(): WebAssetDirs {
  const here = dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  return {
    // Not compiled, so taken from the source tree at the package root rather than from dist/.
    staticDir: join(packageRoot(), 'daemon', 'src', 'web', 'static'),
    // tsc compiles the browser modules with the rest of the daemon: this file is in <src>/web/.
    compiledSrcDir: dirname(here),
    uplotDir: dirname(require.resolve('uplot/dist/uPlot.esm.js')),
  };
}

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', PAGE_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

export interface WebPageOptions {
  dirs?: WebAssetDirs;
}

export const webPage: FastifyPluginAsync<WebPageOptions> = async (fastify, opts) => {
  const dirs = opts.dirs ?? webAssetDirs();
  // Read once at start-up: a missing page is a broken install and should fail loudly here, not per request.
  const indexHtml = readFileSync(join(dirs.staticDir, 'index.html'), 'utf8');

  fastify.get('/', { schema: { hide: true } }, async (_request, reply) => {
    securityHeaders(reply);
    // The page is tiny and changes with the daemon's version: never serve a stale one.
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(indexHtml);
  });

  const common = {
    decorateReply: false,
    index: false as const,
    list: false as const,
    dotfiles: 'deny' as const,
    cacheControl: true,
    maxAge: 0,
    setHeaders: (res: { setHeader(name: string, value: string): unknown }) => {
      res.setHeader('x-content-type-options', 'nosniff');
    },
  };
  await fastify.register(fastifyStatic, {
    ...common,
    root: dirs.staticDir,
    prefix: '/assets/web/',
    allowedPath: (p) => !p.endsWith('.html'),
  });
  await fastify.register(fastifyStatic, {
    ...common,
    root: dirs.compiledSrcDir,
    prefix: '/assets/src/',
    allowedPath: isBrowserModule,
  });
  await fastify.register(fastifyStatic, {
    ...common,
    root: dirs.uplotDir,
    prefix: '/assets/uplot/',
    allowedPath: (p) => UPLOT_FILES.has(p.replace(/^\//, '')),
  });
};

export default webPage;
