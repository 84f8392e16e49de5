/**
 * Response serialisers: Fastify's own fast-json-stringify compiler, with one compiled function
 * per distinct schema instead of one per (route, status). The OpenAPI plugin gives every route
 * the same error envelope for up to seven statuses, so without this the server compiled about
 * a thousand serialisers at start-up for some sixty distinct schemas (most of the start-up time).
 * Each is now compiled on its first use (schema-compilations.ts).
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';
import type { SchemaCompilations } from './schema-compilations.js';

type SerializerBuilder = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer'];
type Builder = NonNullable<SerializerBuilder>;
type RouteSchema = Parameters<ReturnType<Builder>>[0];

// The compiler package Fastify itself depends on, resolved from Fastify (the one it would use).
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultBuilder = fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder;

/**
 * The cache key is the schema's JSON without its top-level `description`, which only documents
 * the response (the error envelopes differ in nothing else). Nested keys are kept as they are:
 * a property may itself be called "description".
 */
function keyOf(schema: unknown): string {
  if (schema === null || typeof schema !== 'object') return JSON.stringify(schema);
  return JSON.stringify({ ...(schema as Record<string, unknown>), description: undefined });
}

/** Each serialiser is compiled on first use (schema-compilations.ts). */
export function cachingSerializerBuilder(compilations: SchemaCompilations): Builder {
  return (externalSchemas, options) => {
    const compile = defaultBuilder()(externalSchemas, options);
    const compiled = new Map<string, ReturnType<typeof compile>>();
    const compileShared = (route: RouteSchema) => {
      const key = keyOf(route.schema);
      let serialize = compiled.get(key);
      if (serialize === undefined) {
        serialize = compile(route);
        compiled.set(key, serialize);
      }
      return serialize;
    };
    return (route: RouteSchema) => {
      const get = compilations.defer(`${route.method} ${route.url} ${route.httpStatus ?? ''}`, () => compileShared(route));
      return (data: unknown) => get()(data);
    };
  };
}
