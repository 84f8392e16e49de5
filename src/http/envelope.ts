/**
 * The success envelope. Handlers return `ok(data)`; the route's response schema is
 * `Envelope(T)`, so the whole body is type-checked and serialised in one pass.
 */
import type { FastifyReply } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No bearer token needed. */
    public?: boolean;
  }
}

export function ok<T>(data: T): { success: true; data: T; timestamp: string } {
  return { success: true, data, timestamp: new Date().toISOString() };
}

/** 201 with the resource and a Location header pointing at it. */
export function created<T>(reply: FastifyReply, location: string, data: T) {
  return reply.code(201).header('Location', location).send(ok(data));
}
