/** pino options: JSON logs, secrets redacted, `token` query values never written. */
import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config.js';

const SECRET_QUERY = /([?&](?:token|access_token|refresh_token|sig|signature)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

export function loggerOptions(level: LogLevel): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["sec-websocket-protocol"]',
        '*.password',
        '*.current_password',
        '*.new_password',
        '*.access_token',
        '*.refresh_token',
        '*.api_key',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method: string; url: string; id: string; ip?: string }) => ({
        method: request.method,
        url: redactUrl(request.url),
        request_id: request.id,
        remote_address: request.ip,
      }),
    },
  };
}
