/**
 * The one place errors become HTTP: domain errors keep their status and code, Fastify's
 * own errors are mapped onto the contract, anything else is a 500 with no internals.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorDetails, type FieldError } from '../errors.js';
import { startTrace } from './trace.js';
import { applySecurityHeaders } from './security.js';

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(error: AjvLikeError, context: string | undefined): string {
  const base = (error.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = error.params?.missingProperty ?? error.params?.additionalProperty;
  const path = [base, typeof extra === 'string' ? extra : ''].filter(Boolean).join('.');
  if (path) return path;
  return context === 'body' ? 'body' : (context ?? 'request');
}

function messageOf(error: AjvLikeError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed field';
    case 'enum':
      return `must be one of ${(error.params?.allowedValues as unknown[] | undefined)?.join(', ') ?? 'the allowed values'}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Union schemas report one error per branch; keep one message per field. */
export function validationDetails(errors: AjvLikeError[], context: string | undefined): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const error of errors) {
    const field = fieldOf(error, context);
    if (!byField.has(field)) byField.set(field, { field, message: messageOf(error) });
  }
  return [...byField.values()];
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'bad_request', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'bad_request', message: 'Request body is empty but declared as JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Unsupported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Invalid Content-Length' },
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'authentication_failed',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
};

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: ErrorDetails,
): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({
    success: false,
    error: message,
    code,
    details,
    timestamp: new Date().toISOString(),
    trace_id: request.trace?.traceId ?? '',
  });
}

/**
 * Fastify's `frameworkErrors` option: the router answers a path it cannot percent-decode or a
 * path parameter over maxParamLength itself, before any hook (so before the trace is set) and
 * outside setErrorHandler; without this those answers left the envelope. An over-long id is
 * a malformed id like any other, hence 422 rather than Fastify's undocumented 414.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  startTrace(request, reply);
  applySecurityHeaders(request, reply);
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      sendError(request, reply, 422, 'validation_failed', 'Validation failed', [{ field: 'path', message: 'a path parameter is too long' }]);
      return;
    case 'FST_ERR_BAD_URL':
      sendError(request, reply, 400, 'bad_request', 'The URL is not validly percent-encoded', null);
      return;
    default:
      request.log.error({ err: error }, 'router error');
      sendError(request, reply, 500, 'internal_error', 'Internal server error', null);
  }
}

export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
        if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
        return sendError(request, reply, error.statusCode, error.code, error.message, error.details);
      }
      const fastifyError = error as FastifyError;
      if (fastifyError.validation) {
        const details = validationDetails(fastifyError.validation, fastifyError.validationContext);
        return sendError(request, reply, 422, 'validation_failed', 'Validation failed', details);
      }
      const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
      if (known) return sendError(request, reply, known.status, known.code, known.message, null);
      const status = fastifyError.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return sendError(request, reply, status, STATUS_CODES[status] ?? 'bad_request', fastifyError.message, null);
      }
      request.log.error({ err: error }, 'unexpected error');
      return sendError(request, reply, 500, 'internal_error', 'Internal server error', null);
    });

    app.setNotFoundHandler((request, reply) =>
      sendError(request, reply, 404, 'not_found', `Route ${request.method} ${request.url.split('?')[0]} not found`, null),
    );
  },
  { name: 'inkframe-errors', dependencies: ['inkframe-trace'] },
);
