/** Mutating routes: 403 when no token is configured, 401 for a missing/wrong one, and the token never logged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, DISABLED_MESSAGE, tokensEqual } from '../../src/http/plugins/auth.js';
import { REDACTED } from '../../src/log/index.js';
import { auth, makeApp, quickPlan, TOKEN } from './helpers.js';

type Json = Record<string, unknown>;

const MUTATING = [
  { method: 'POST' as const, url: '/api/v1/campaigns', payload: { plan: quickPlan() } },
  { method: 'POST' as const, url: '/api/v1/campaigns/1/stop' },
];

test('no token configured: mutating routes answer 403 saying how to enable them; reads still work', async () => {
  const t = await makeApp({ token: null });
  try {
    for (const r of MUTATING) {
      for (const headers of [{}, auth(), auth('')]) {
        const res = await t.app.inject({ ...r, headers });
        assert.equal(res.statusCode, 403, `${r.url} ${JSON.stringify(headers)}`);
        const body = res.json<Json>();
        assert.equal(body.error, 'Forbidden');
        assert.equal(body.message, DISABLED_MESSAGE);
        assert.match(body.message, /ALLOCSOAK_TOKEN/);
      }
    }
    assert.equal(t.controller.status().state, 'idle', 'nothing was started');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/campaigns' })).statusCode, 200);
  } finally {
    await t.close();
  }
});

test('an empty ALLOCSOAK_TOKEN disables the routes too (an empty bearer must never match)', async () => {
  const t = await makeApp({ token: '' });
  try {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { plan: quickPlan() },
      headers: { authorization: 'Bearer ' },
    });
    assert.equal(res.statusCode, 403);
  } finally {
    await t.close();
  }
});

test('missing, malformed or wrong token: 401 with WWW-Authenticate, before the body is even looked at', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    for (const r of MUTATING) {
      for (const [headers, re] of [
        [{}, /^missing "Authorization: Bearer <token>" header/],
        [{ authorization: TOKEN }, /^malformed Authorization header/],
        [{ authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, /^malformed Authorization header/],
        [auth(`${TOKEN}x`), /^wrong token$/],
        [auth(TOKEN.slice(0, -1)), /^wrong token$/],
        [auth(TOKEN.toUpperCase()), /^wrong token$/],
      ] as const) {
        const res = await t.app.inject({ ...r, headers });
        assert.equal(res.statusCode, 401, `${r.url} ${JSON.stringify(headers)}`);
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="allocsoak"');
        assert.match(res.json<Json>().message as string, re);
      }
    }
    // a body that would be a 400 is still a 401 without the token
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns', payload: { plan: 'nope' } });
    assert.equal(bad.statusCode, 401);
    assert.equal(t.controller.status().state, 'idle');
    // lower-case scheme is accepted (RFC 7235: the scheme is case-insensitive)
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns/424242/stop', headers: { authorization: `bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 404, 'authenticated, then the campaign is not found');
  } finally {
    await t.close();
  }
});

test('the token never appears in the logs, even at debug level with headers logged', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    await t.app.inject({ method: 'POST', url: '/api/v1/campaigns/5/stop', headers: auth() });
    await t.app.inject({ method: 'POST', url: '/api/v1/campaigns/5/stop', headers: auth(`${TOKEN}-wrong`) });
    await t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: auth(), payload: { plan: { variants: 'x' } } });
    await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: auth() });
    assert.ok(t.lines.length >= 4, 'requests were logged');
    const text = t.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(!text.includes(TOKEN), 'token found in the log');
    // the refused request was logged with its headers, the authorization one redacted
    const refused = t.lines.find((l) => l.msg === 'mutating request refused');
    assert.ok(refused, 'the 401 was logged');
    assert.equal((refused.headers as Json).authorization, REDACTED);
    assert.equal(refused.status, 401);
  } finally {
    await t.close();
  }
});

test('tokensEqual and bearerToken', () => {
  assert.equal(tokensEqual('abc', 'abc'), true);
  assert.equal(tokensEqual('abc', 'abd'), false);
  assert.equal(tokensEqual('abc', 'abcd'), false);
  assert.equal(tokensEqual('', 'a'), false);
  assert.equal(bearerToken('Bearer xyz'), 'xyz');
  assert.equal(bearerToken('bearer   xyz '), 'xyz');
  assert.equal(bearerToken('Bearer'), null);
  assert.equal(bearerToken('Bearer a b'), null);
  assert.equal(bearerToken('Token xyz'), null);
  assert.equal(bearerToken(undefined), null);
});
