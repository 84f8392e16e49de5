/**
 * Request validation. Bodies are validated strictly (no type coercion, unknown fields are a
 * 422, not silently dropped); query strings and path params are coerced from text.
 *
 * Start-up cost (bench/PROFILE.md): compiling ~190 route schemas was the largest item of the
 * start-up profile. Identical schemas (the same params on many routes) share one compiled
 * validator, and Ajv's code optimiser is off: it roughly halves compile time, and the
 * validators it would have tidied run no measurably slower. Each is compiled on its first use
 * (schema-compilations.ts); test/api/schema-compilation.test.ts compiles them all.
 */
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { createSchemaCompilations, type SchemaCompilations } from './schema-compilations.js';

type Validator = ReturnType<FastifySchemaCompiler<unknown>>;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, strict: false, code: { optimize: false }, ...options });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv;
}

export function createValidatorCompiler(compilations: SchemaCompilations = createSchemaCompilations()): FastifySchemaCompiler<unknown> {
  // strictNumbers: JSON `1e309` parses to Infinity, which Ajv would otherwise take for a number (even an
  // integer). Bodies only: combined with coercion Ajv lets a coerced Infinity skip minimum/maximum.
  const strict = makeAjv({ coerceTypes: false, strictNumbers: true });
  const coercing = makeAjv({ coerceTypes: 'array' });
  // A shared validator is safe: validation is synchronous, and Fastify reads `.errors` right after the call.
  const compiled = new Map<string, Validator>();
  const compileShared = (schema: unknown, body: boolean): Validator => {
    const key = `${body ? 'b' : 'c'}${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = (body ? strict : coercing).compile(schema as object) as Validator;
      compiled.set(key, validate);
    }
    return validate;
  };
  // Compiled on first use (schema-compilations.ts).
  return ({ schema, httpPart, method, url }) =>
    deferredValidator(compilations.defer(`${method} ${url} ${httpPart ?? ''}`, () => compileShared(schema, httpPart === 'body')));
}

/** Stands in for the Ajv function, which it compiles on its first call. */
function deferredValidator(get: () => Validator): Validator {
  const validate: Validator & { schemaEnv?: unknown } = (data: unknown, context?: unknown) => {
    const real = get() as (data: unknown, context?: unknown) => ReturnType<Validator>;
    const result = real(data, context);
    validate.errors = (real as Validator).errors;
    return result;
  };
  // Fastify passes the parent object (so Ajv can coerce or default the root value in place) only to a
  // function with `schemaEnv`, as Ajv's have; the context argument is forwarded.
  validate.schemaEnv = true;
  return validate;
}
