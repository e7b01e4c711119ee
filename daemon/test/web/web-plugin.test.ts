/**
 * The page's plugin inside the real app (fastify inject, real SQLite file): GET / and every asset the page
 * loads, transitively through the browser modules' imports, are served from this package; nothing else
 * in those directories is. The browser test (test/stack/web-page.test.ts) covers what the page shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { buildApp } from '../../src/http/index.js';
import { openStore } from '../../src/storage/index.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, tempDir } from '../helpers/env.js';

test('GET / serves the page and every asset it loads; nothing else of those directories', async () => {
  const { dir, cleanup } = tempDir('web');
  const store = openStore(join(dir, 'web.db'));
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log });
  const app = await buildApp({ store, controller, options: { version: '0.0.0-test', token: null, allowCommands: false } });
  try {
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'; script-src 'self'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(page.body, /<script type="module" src="\/assets\/src\/web\/client\/main\.js"><\/script>/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external (CDN) URL in the page');

    // Every /assets/ URL of the page, then every module those scripts import, must be served.
    const pending = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(pending.length >= 4, `assets referenced: ${pending.join(', ')}`);
    const served = new Set<string>();
    while (pending.length > 0) {
      const url = pending.pop()!;
      if (served.has(url)) continue;
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.statusCode}`);
      const type = String(res.headers['content-type']);
      if (url.endsWith('.js')) {
        assert.match(type, /javascript/, `${url}: ${type}`);
        // Static imports of the page's own modules (tsc output: one `import … from '…';` per line).
        const imports = url.startsWith('/assets/src/') ? res.body.matchAll(/^(?:import|export)\b[^;\n]*?from\s*['"]([^'"]+)['"];?$/gm) : [];
        for (const m of imports) {
          assert.doesNotMatch(m[1]!, /^[a-z]+:/i, `${url} imports ${m[1]} from another origin`);
          pending.push(new URL(m[1]!, `http://page${url}`).pathname);
        }
        for (const m of res.body.matchAll(/'(\/assets\/[^']+\.js)'/g)) pending.push(m[1]!);
      }
      if (url.endsWith('.css')) assert.match(type, /text\/css/);
      served.add(url);
    }
    for (const needed of [
      '/assets/src/web/client/main.js',
      '/assets/src/web/client/charts.js',
      '/assets/src/web/client/views/live.js',
      '/assets/src/domain/epoch-fields.js',
      '/assets/src/domain/format.js',
      '/assets/uplot/uPlot.esm.js',
      '/assets/uplot/uPlot.min.css',
      '/assets/web/style.css',
    ]) {
      assert.ok(served.has(needed), `${needed} is loaded by the page (served: ${[...served].join(', ')})`);
    }
    const uplot = await app.inject({ method: 'GET', url: '/assets/uplot/uPlot.esm.js' });
    assert.match(uplot.body, /export \{ uPlot as default \}|export default/);

    // Only what the page needs: no other uplot build, no page source through the asset path, no escape.
    for (const url of [
      '/assets/uplot/uPlot.cjs.js',
      '/assets/uplot/uPlot.d.ts',
      '/assets/web/index.html',
      '/assets/src/web/client/main.ts',
      '/assets/src/web/plugin.js',
      '/assets/src/http/app.js',
      '/assets/src/http/schemas/page.js',
      '/assets/src/cli/main.js',
      '/assets/src/storage/database.js',
      '/assets/src/web/client/../plugin.js',
      '/assets/src/web/client/..%2fplugin.js',
      '/assets/src/web/client/%2e%2e/%2e%2e/http/app.js',
      '/assets/src/domain/%2e%2e/http/app.js',
      '/assets/src/domain/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/src/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/web/../../../../package.json',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.ok(res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 400, `${url}: ${res.statusCode}`);
    }

    // The API's own 404 is untouched by the page's routes.
    const missing = await app.inject({ method: 'GET', url: '/api/v1/no-such-route' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ statusCode: number }>().statusCode, 404);
  } finally {
    await app.close();
    store.close();
    cleanup();
  }
});
