/**
 * The page's check of the daemon's answers (web/client/schema-check.ts, used by web/client/api.ts): against
 * the real response schemas as the page receives them, real answers of the app (fastify inject over a
 * seeded SQLite file) pass, and a changed answer is refused with the path of what changed. The page's request
 * functions, which run this check, are tested in client-api.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { allocsoakApp } from '../../src/http/index.js';
import { PAGE_RESPONSE_SCHEMAS, PAGE_SCHEMAS_URL, type PageResponses, type PageRoute } from '../../src/http/schemas/page.js';
import { firstMismatch, unsupported, type JsonSchema } from '../../src/web/client/schema-check.js';
import { seedBisects } from '../helpers/bisects.js';
import { makeApp, seed, type TestApp } from '../http/helpers.js';

type Json = Record<string, unknown>;

/** The schemas as the page gets them: the plugin's JSON. */
async function servedSchemas(app: FastifyInstance): Promise<Record<PageRoute, JsonSchema>> {
  const r = await app.inject({ method: 'GET', url: PAGE_SCHEMAS_URL });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  return r.json<Record<PageRoute, JsonSchema>>();
}

/** A 200 answer, typed as the route's (the check under test is what says whether it is). */
async function getJson<T>(app: FastifyInstance, url: string): Promise<T> {
  const r = await app.inject({ method: 'GET', url });
  assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
  return r.json<T>();
}

function addSamples(t: TestApp, epoch: number, n: number): void {
  for (let i = 1; i <= n; i++) {
    t.store.samples.add(epoch, {
      t_ms: i * 100,
      ops: i * 1000,
      ops_per_sec: 10_000 + i,
      rss_bytes: 1_000_000 + i * 8,
      hwm_bytes: null,
      rss_anon_bytes: null,
      pss_bytes: null,
      lazyfree_bytes: 0,
      cpu_ms: i * 90,
      counters: { lean_decommit: i, 'odd.name-1': 2 * i },
    });
  }
}

/** A deep copy of `v` changed by `edit` (which casts to Json where it breaks the type on purpose). */
function changed<T>(v: T, edit: (copy: T) => void): unknown {
  const copy = structuredClone(v);
  edit(copy);
  return copy;
}

test('every schema the page reads is the one its route declares, and all of it is checkable', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const declared = new Map<string, unknown>();
    const probe = Fastify({ logger: false });
    probe.addHook('onRoute', (r) => {
      const methods = [r.method].flat();
      const response = (r.schema?.response as Record<string, unknown> | undefined)?.['200'];
      if (methods.includes('GET') && response !== undefined) declared.set(r.url, response);
    });
    await probe.register(allocsoakApp, {
      store: t.store,
      controller: t.controller,
      options: { version: '9.9.9', token: null, allowCommands: false },
    });
    await probe.ready();
    await probe.close();
    const served = await servedSchemas(t.app);
    assert.deepEqual(Object.keys(served).sort(), Object.keys(PAGE_RESPONSE_SCHEMAS).sort());
    for (const [route, schema] of Object.entries(PAGE_RESPONSE_SCHEMAS)) {
      assert.equal(declared.get(`/api/v1${route}`), schema, `GET /api/v1${route} declares this very schema object`);
      assert.deepEqual(served[route as PageRoute], JSON.parse(JSON.stringify(schema)), `${route} served as JSON`);
      assert.deepEqual(unsupported(served[route as PageRoute]), [], `${route}: keywords the checker does not know`);
    }
    // Not part of the API's document.
    const doc = await getJson<{ paths: Json }>(t.app, '/docs/json');
    assert.ok(!Object.keys(doc.paths).includes(PAGE_SCHEMAS_URL));
  } finally {
    await t.close();
  }
});

test('real answers of every route the page reads pass; a changed answer fails naming the path', async () => {
  const t = await makeApp({}, { logRequests: false });
  try {
    const { campaign, ids } = seed(t.store);
    const speed = ids.speed![0]!;
    const crashed = ids.lean![2]!;
    addSamples(t, speed, 30);
    const bisects = seedBisects(t.store);
    const schemas = await servedSchemas(t.app);
    const answers: PageResponses = {
      '/status': await getJson(t.app, '/api/v1/status'),
      '/campaigns': await getJson(t.app, '/api/v1/campaigns'),
      '/campaigns/:id': await getJson(t.app, `/api/v1/campaigns/${campaign}`),
      '/campaigns/:id/series': await getJson(t.app, `/api/v1/campaigns/${campaign}/series`),
      '/campaigns/:id/duet-intervals': await getJson(t.app, `/api/v1/campaigns/${campaign}/duet-intervals`),
      '/epochs': await getJson(t.app, `/api/v1/epochs?campaign=${campaign}&limit=10000`),
      '/epochs/:id': await getJson(t.app, `/api/v1/epochs/${crashed}`),
      '/epochs/:id/samples': await getJson(t.app, `/api/v1/epochs/${speed}/samples`),
      '/compare': await getJson(t.app, `/api/v1/compare?baseline=speed&candidate=lean&campaign=${campaign}`),
      '/drift': await getJson(t.app, `/api/v1/drift?variant=speed&campaign=${campaign}`),
      '/history': await getJson(t.app, '/api/v1/history?variant=lean'),
      '/bisects': await getJson(t.app, '/api/v1/bisects'),
      '/bisects/:id': await getJson(t.app, `/api/v1/bisects/${bisects.found}`),
    };
    for (const [route, body] of Object.entries(answers)) {
      assert.equal(firstMismatch(schemas[route as PageRoute], body)?.message ?? null, null, route);
    }

    const refused = (route: PageRoute, body: unknown, path: string, message: RegExp): void => {
      const m = firstMismatch(schemas[route], body);
      assert.ok(m, `${route}: a change to ${path} is refused`);
      assert.equal(m.path, path);
      assert.match(m.message, message);
    };
    refused(
      '/epochs',
      changed(answers['/epochs'], (b) => ((b.epochs[1] as Json).throughput_mean = '5e6')),
      '$.epochs[1].throughput_mean',
      /^\$\.epochs\[1\]\.throughput_mean: expected number or null, got string "5e6"$/,
    );
    refused(
      '/epochs',
      changed(answers['/epochs'], (b) => delete (b.epochs[0] as Json).outcome),
      '$.epochs[0].outcome',
      /expected one of "running", "completed", .*, got nothing$/,
    );
    refused(
      '/epochs',
      changed(answers['/epochs'], (b) => ((b.epochs[2] as Json).outcome = 'exploded')),
      '$.epochs[2].outcome',
      /got string "exploded"$/,
    );
    refused(
      '/epochs',
      changed(answers['/epochs'], (b) => ((b as Json).epochs = {})),
      '$.epochs',
      /expected array, got an object$/,
    );
    refused('/epochs', [], '$', /expected object, got an array of 0$/);
    refused(
      '/campaigns',
      changed(answers['/campaigns'], (b) => (b.campaigns[0]!.id = 1.5)),
      '$.campaigns[0].id',
      /expected integer, got number 1\.5/,
    );
    refused(
      '/campaigns/:id',
      changed(
        answers['/campaigns/:id'],
        (b) => ((b.plan as Json).comparisons = [{ baseline: 'speed', candidate: 'lean', goal: 'memory', criteria: { x: '1' } }]),
      ),
      '$.plan.comparisons[0].criteria.x',
      /expected number, got string "1"/,
    );
    refused(
      '/epochs/:id',
      changed(answers['/epochs/:id'], (b) => ((b.host as Json).cores = null)),
      '$.host.cores',
      /^\$\.host\.cores: expected integer, got null$/,
    );
    refused(
      '/epochs/:id',
      changed(answers['/epochs/:id'], (b) => ((b.counters!.delta as Json)['lean.decommit'] = 'many')),
      '$.counters.delta["lean.decommit"]',
      /expected number, got string "many"/,
    );
    refused(
      '/epochs/:id/samples',
      changed(answers['/epochs/:id/samples'], (b) => ((b.samples[29]!.counters as Json)['odd.name-1'] = null)),
      '$.samples[29].counters["odd.name-1"]',
      /expected number, got null/,
    );
    refused(
      '/compare',
      changed(answers['/compare'], (b) => ((b.reasons[0] as Json).status = 'maybe')),
      '$.reasons[0].status',
      /expected "pass" or "fail" or "undecided" or "info", got string "maybe"/,
    );
    refused(
      '/drift',
      changed(answers['/drift'], (b) => ((b as Json).leak = 'no')),
      '$.leak',
      /expected boolean, got string "no"/,
    );
    refused(
      '/bisects/:id',
      changed(answers['/bisects/:id'], (b) => ((b.steps[3] as Json).outcome = 'maybe')),
      '$.steps[3].outcome',
      /expected one of "good", "bad", "skip", "unclear", got string "maybe"/,
    );
    refused(
      '/bisects',
      changed(answers['/bisects'], (b) => ((b.bisects[0] as Json).status = 'done')),
      '$.bisects[0].status',
      /expected one of "running", "found", "no_change", "inconclusive", "interrupted", "failed", got string "done"/,
    );
    refused(
      '/status',
      changed(answers['/status'], (b) => ((b as Json).state = 'sleeping')),
      '$.state',
      /got string "sleeping"/,
    );
  } finally {
    await t.close();
  }
});

test('the checker: the subset it knows, unions, records, closed objects and odd keys', () => {
  assert.deepEqual(unsupported({ type: 'string', minLength: 1, description: 'x' }), ['#/minLength']);
  assert.deepEqual(unsupported({ anyOf: [{ type: 'date' }, { oneOf: [] }] }), ['#/anyOf/0/type', '#/anyOf/1/oneOf']);
  assert.deepEqual(unsupported({ type: 'object', properties: { a: { items: { not: {} } } } }), ['#/properties/a/items/not']);
  assert.deepEqual(unsupported(true), ['# (not a schema object)']);

  const closed: JsonSchema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false };
  assert.equal(firstMismatch(closed, { a: 1 }), null);
  assert.equal(firstMismatch(closed, { a: 1, b: 2 })?.message, '$.b: expected no such field, got integer 2');
  assert.equal(firstMismatch(closed, { a: Number.NaN })?.message, '$.a: expected integer, got number NaN');

  const list: JsonSchema = {
    type: 'array',
    items: { anyOf: [{ type: 'object', properties: { 'my key': { const: 'x' } } }, { type: 'null' }] },
  };
  assert.equal(firstMismatch(list, [null, { 'my key': 'x' }]), null);
  // The value is an object: the object branch says what is wrong inside it.
  assert.equal(firstMismatch(list, [null, { 'my key': 'y' }])?.message, '$[1]["my key"]: expected "x", got string "y"');
  assert.equal(firstMismatch(list, [7])?.message, '$[0]: expected object or null, got integer 7');
  assert.equal(firstMismatch({ enum: [1, 2] }, 3)?.message, '$: expected one of 1, 2, got integer 3');
});
