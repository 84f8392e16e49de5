/**
 * Domain errors with stable machine-readable codes. Services throw these; the one error
 * handler in http/error-handler.ts maps them to the API envelope and status code.
 */
export interface FieldError {
  field: string;
  message: string;
}

export type ErrorDetails = FieldError[] | Record<string, unknown> | null;

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'Bad request', details: ErrorDetails = null) {
    super(400, 'bad_request', message, details);
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'Authentication failed') {
    super(401, 'authentication_failed', message, null, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Forbidden') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(resource = 'Resource') {
    super(404, 'not_found', `${resource} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message = 'Conflict', details: ErrorDetails = null) {
    super(409, 'conflict', message, details);
  }
}

export class VersionConflictError extends AppError {
  constructor(currentVersion?: number) {
    super(
      409,
      'version_conflict',
      'The resource was changed by someone else; reload it and try again',
      currentVersion === undefined ? null : { current_version: currentVersion },
    );
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'Payload too large') {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Unsupported media type') {
    super(415, 'unsupported_media_type', message);
  }
}

export class ValidationError extends AppError {
  constructor(details: FieldError[], message = 'Validation failed') {
    super(422, 'validation_failed', message, details);
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Rate limit exceeded; try again later', details: Record<string, unknown> = {}) {
    super(429, 'rate_limited', message, { retry_after: retryAfterSeconds, ...details }, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'Service unavailable', details: ErrorDetails = null) {
    super(503, 'service_unavailable', message, details);
  }
}

export class GenerationFailedError extends AppError {
  constructor(message = 'Generation failed') {
    super(500, 'generation_failed', message);
  }
}
