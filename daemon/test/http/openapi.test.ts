/** The OpenAPI document lists every route with its schemas; Swagger UI is served from the daemon itself. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { allocsoakApp } from '../../src/http/index.js';
import { makeApp } from './helpers.js';

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown; responses: Record<string, unknown>; security?: unknown[] }
    >
  >;
  components: { securitySchemes: Record<string, unknown> };
}

test('GET /docs/json lists every route the app serves, with parameters, responses and security', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const r = await t.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json<OpenApiDoc>();
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.version, '9.9.9');

    // every route registered in the app (except the docs' own) is documented
    const routes: Array<readonly [string, string]> = [];
    const probe = Fastify({ logger: false });
    probe.addHook('onRoute', (r) => {
      // Routes that opt out of the document (`schema.hide`, e.g. static files) are not API routes.
      if (r.schema?.hide === true) return;
      for (const m of [r.method].flat()) if (m !== 'HEAD' && !r.url.startsWith('/docs')) routes.push([m, r.url] as const);
    });
    await probe.register(allocsoakApp, {
      store: t.store,
      controller: t.controller,
      options: { version: '9.9.9', token: null, allowCommands: false },
    });
    await probe.ready();
    await probe.close();
    assert.ok(routes.length >= 10, `routes found: ${JSON.stringify(routes)}`);
    for (const [method, path] of routes) {
      const oaPath = path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[oaPath]?.[method.toLowerCase()];
      assert.ok(op, `${method} ${path} missing from the OpenAPI document`);
      assert.ok(op.responses['200'] ?? op.responses['201'], `${method} ${path} documents no success response`);
    }
    const expected = [
      ['get', '/api/v1/health'],
      ['get', '/api/v1/status'],
      ['get', '/api/v1/variants'],
      ['get', '/api/v1/campaigns'],
      ['post', '/api/v1/campaigns'],
      ['get', '/api/v1/campaigns/{id}'],
      ['post', '/api/v1/campaigns/{id}/stop'],
      ['get', '/api/v1/epochs'],
      ['get', '/api/v1/epochs/{id}'],
      ['get', '/api/v1/epochs/{id}/samples'],
      ['get', '/api/v1/bisects'],
      ['get', '/api/v1/bisects/{id}'],
    ];
    for (const [method, path] of expected) assert.ok(doc.paths[path!]?.[method!], `${method} ${path}`);

    const epochs = doc.paths['/api/v1/epochs']!.get!;
    assert.deepEqual(epochs.parameters!.map((p) => `${p.in}:${p.name}`).sort(), [
      'query:campaign',
      'query:limit',
      'query:outcome',
      'query:since',
      'query:variant',
    ]);
    assert.deepEqual(Object.keys(epochs.responses).sort(), ['200', '400']);
    const samples = doc.paths['/api/v1/epochs/{id}/samples']!.get!;
    assert.deepEqual(samples.parameters!.map((p) => `${p.in}:${p.name}`).sort(), [
      'path:id',
      'query:after_t_ms',
      'query:max_points',
      'query:step',
    ]);
    const post = doc.paths['/api/v1/campaigns']!.post!;
    assert.ok(post.requestBody, 'POST /campaigns documents its body');
    assert.deepEqual(Object.keys(post.responses).sort(), ['201', '400', '401', '403', '409']);
    assert.deepEqual(post.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.paths['/api/v1/campaigns/{id}/stop']!.post!.security, [{ bearerAuth: [] }]);
    assert.equal(doc.paths['/api/v1/epochs']!.get!.security, undefined, 'reads need no token');
    assert.ok(doc.components.securitySchemes.bearerAuth);

    const yaml = await t.app.inject({ method: 'GET', url: '/docs/yaml' });
    assert.equal(yaml.statusCode, 200);
    assert.match(yaml.body, /\/api\/v1\/epochs\/\{id\}\/samples:/);
  } finally {
    await t.close();
  }
});

test('Swagger UI under /docs is served with its own assets (no CDN)', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(!/^(https?:)?\/\//.test(ref), `external asset ${ref}`);
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) {
      const a = await t.app.inject({ method: 'GET', url: asset });
      assert.equal(a.statusCode, 200, asset);
      assert.ok(a.rawPayload.length > 100, asset);
    }
  } finally {
    await t.close();
  }
});
