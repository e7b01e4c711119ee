import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, REDACTED } from '../../src/log/index.js';

function capture(): { lines: string[]; stream: Writable & { write: (s: string) => boolean } } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
  return { lines, stream };
}

test('JSON lines with the secret parts redacted', () => {
  const { lines, stream } = capture();
  const log = createLogger({ destination: stream, pretty: false });
  log.info(
    { token: 'sekret-1', req: { headers: { authorization: 'Bearer sekret-2', host: 'x' } }, options: { token: 'sekret-3' } },
    'hello',
  );
  log.info({ request: { headers: { authorization: 'Bearer sekret-4' } }, campaign: { plan: { token: 'sekret-5' } } }, 'again');
  assert.equal(lines.length, 2);
  const all = lines.join('\n');
  for (const s of ['sekret-1', 'sekret-2', 'sekret-3', 'sekret-4', 'sekret-5']) assert.ok(!all.includes(s), `${s} leaked: ${all}`);
  const first = JSON.parse(lines[0]!) as { msg: string; token: string; time: unknown; req: { headers: Record<string, string> } };
  assert.equal(first.msg, 'hello');
  assert.equal(first.token, REDACTED);
  assert.equal(first.req.headers.authorization, REDACTED);
  assert.equal(first.req.headers.host, 'x');
  assert.equal(typeof first.time, 'string');
});

test('pretty output is human-readable and still redacted', () => {
  const { lines, stream } = capture();
  const log = createLogger({ destination: stream, pretty: true });
  log.info({ token: 'sekret-9', variant: 'speed' }, 'epoch finished');
  const all = lines.join('\n');
  assert.match(all, /epoch finished/);
  assert.ok(!all.includes('sekret-9'));
  assert.throws(() => JSON.parse(lines[0]!));
});
