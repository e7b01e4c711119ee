/**
 * One shape for every error answer ({statusCode, error, message, ...}) and messages that name the
 * field: schema errors become e.g. "querystring/limit must be >= 1", "querystring/outcome must be one
 * of running, completed, ...", "querystring: unknown parameter \"foo\"".
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { InputError } from '../../domain/parameters.js';

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** An error a route throws to answer with `status` (and extra fields such as `problems`). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string, extra?: Record<string, unknown>): HttpError {
  return new HttpError(400, message, extra);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

function describeSchemaError(e: AjvError, dataVar: string): string {
  const field = `${dataVar}${e.instancePath}`;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${field}: unknown ${dataVar === 'querystring' ? 'parameter' : 'field'} ${JSON.stringify(e.params['additionalProperty'])}`;
    case 'required':
      return `${field}/${String(e.params['missingProperty'])} is required`;
    case 'enum':
      return `${field} must be one of ${(e.params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    default:
      return `${field} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * A union of literals (TypeBox `Union([Literal('speed'), Literal('memory')])`) fails as one `const`
 * error per literal and an `anyOf`: said as one message naming every allowed value.
 */
function describeLiteralUnion(errors: readonly AjvError[], dataVar: string): string | null {
  const first = errors[0];
  if (first === undefined || first.keyword !== 'const') return null;
  const allowed = errors
    .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
    .map((e) => String(e.params['allowedValue']));
  return `${dataVar}${first.instancePath} must be one of ${[...new Set(allowed)].join(', ')}`;
}

export function installErrorHandling(fastify: FastifyInstance): void {
  fastify.setSchemaErrorFormatter((errors, dataVar) => {
    const all = errors as unknown as AjvError[];
    const first = all[0];
    if (first === undefined) return new Error(`${dataVar} is invalid`);
    return new Error(describeLiteralUnion(all, dataVar) ?? describeSchemaError(first, dataVar));
  });
  fastify.setErrorHandler((error: FastifyError | HttpError | InputError, request, reply) => {
    // Every parameter the shared checks refuse is a query parameter (the request bodies are plans: PlanError).
    if (error instanceof InputError) {
      return reply.code(400).send({ statusCode: 400, error: STATUS_CODES[400], message: `querystring/${error.message}` });
    }
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .send({ statusCode: error.statusCode, error: STATUS_CODES[error.statusCode] ?? 'Error', message: error.message, ...error.extra });
    }
    if (error.validation) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'] ?? 'none';
      return reply.code(415).send({
        statusCode: 415,
        error: STATUS_CODES[415],
        message: `unsupported Content-Type ${type}: send the body as application/json`,
      });
    }
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = status >= 500 ? `internal error: ${error.message}` : error.message;
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
  });
  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0]} (see /docs for the API)`,
    }),
  );
}
