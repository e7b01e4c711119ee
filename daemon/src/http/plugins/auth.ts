/**
 * Bearer-token guard for the mutating routes (`onRequest`, so nothing about the body is revealed to a
 * client without the token):
 *   no token configured → 403 (mutating routes disabled; the message says how to enable them),
 *   missing or wrong token → 401 with `WWW-Authenticate: Bearer`.
 * Tokens are compared in constant time (SHA-256 of both, then timingSafeEqual, so neither the content
 * nor the length leaks through timing). The token never reaches a log line: refused requests are
 * logged with their headers, and the logger redacts `authorization` (daemon/src/log/logger.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

/** Name of the security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearerAuth';
export const TOKEN_ENV = 'ALLOCSOAK_TOKEN';

export const DISABLED_MESSAGE =
  `mutating routes are disabled: start the daemon with ${TOKEN_ENV} set in its environment ` +
  `(e.g. ${TOKEN_ENV}=$(openssl rand -hex 32) allocsoak daemon ...) and send "Authorization: Bearer <that token>"`;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time equality of two secrets of any length. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1] ?? null;
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  // Headers are logged for whoever investigates the refusal; the logger redacts `authorization`.
  request.log.warn(
    { method: request.method, url: request.url, remote: request.ip, headers: request.headers, status },
    'mutating request refused',
  );
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="allocsoak"');
  return reply.code(status).send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });
}

export const READ_ONLY_MESSAGE =
  'this server only shows a database (allocsoak serve): it starts and stops no campaign; run `allocsoak daemon` for that';

/** The `onRequest` hook of a mutating route on a read-only server: every request is refused (403). */
export function refuseReadOnly(): onRequestHookHandler {
  return function readOnlyGuard(request, reply) {
    refuse(request, reply, 403, READ_ONLY_MESSAGE);
  };
}

/** The `onRequest` hook guarding a mutating route. `token` null or empty: the routes are disabled. */
export function requireBearerToken(token: string | null): onRequestHookHandler {
  const expected = token === null || token === '' ? null : token;
  return function bearerGuard(request, reply, done) {
    if (expected === null) {
      refuse(request, reply, 403, DISABLED_MESSAGE);
      return;
    }
    const header = request.headers.authorization;
    if (header === undefined) {
      refuse(request, reply, 401, 'missing "Authorization: Bearer <token>" header (the token is the daemon\'s ALLOCSOAK_TOKEN)');
      return;
    }
    const given = bearerToken(header);
    if (given === null) {
      refuse(request, reply, 401, 'malformed Authorization header: expected "Bearer <token>"');
      return;
    }
    if (!tokensEqual(given, expected)) {
      refuse(request, reply, 401, 'wrong token');
      return;
    }
    done();
  };
}
