/**
 * Shared TypeBox building blocks for route schemas: the success/error envelopes, paginated
 * lists, id params. Every module builds its request/response schemas from these, so Fastify
 * validates, serialises and documents (OpenAPI) from one definition.
 */
import { Type, type TSchema, type TObject, type TProperties } from '@sinclair/typebox';

export const Id = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24-hex id' });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Fields every stored resource carries. */
export const ResourceBase = {
  id: Id,
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer({ minimum: 1 }),
};

/** Request bodies: unknown fields are rejected (422), never silently dropped. */
/**
 * preValidation for routes whose body fields are all optional: a POST with no body at all
 * means "the defaults". Only a missing body: a JSON `null` is not an object and stays a 422.
 */
export async function missingBodyAsEmpty(request: { body: unknown }): Promise<void> {
  if (request.body === undefined) request.body = {};
}

export const Body = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

/** Optional optimistic-concurrency field accepted by every PUT. */
export const VersionField = {
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'Current version; a stale value is a 409' })),
};

export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, timestamp: Timestamp });

export const ErrorEnvelope = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    code: Type.String(),
    details: Type.Union([
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
      Type.Object({}, { additionalProperties: true }),
      Type.Null(),
    ]),
    timestamp: Timestamp,
    trace_id: Type.String(),
  },
  { title: 'ErrorEnvelope' },
);

/**
 * An error status a route declares itself, e.g. a 401 on a public route that checks
 * credentials (the OpenAPI plugin adds the usual ones to every route).
 */
export const ErrorResponse = (description: string) => ({ ...ErrorEnvelope, description });

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    skip: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
    has_more: Type.Boolean(),
  });

export const Deleted = Type.Object({ id: Id, deleted: Type.Literal(true) });

export const IdParams = <K extends string>(...names: K[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Id])) as Record<K, typeof Id>);

/**
 * Pagination query (`skip`, `limit` 1..100, `sort` from an allow-list with optional `-`).
 * Anything outside the allow-list is a 422 through schema validation.
 */
export function PaginationQuery<F extends string, E extends TProperties = Record<never, never>>(
  sortFields: readonly F[],
  defaultSort: string,
  extra?: E,
): TObject<E & ReturnType<typeof paginationProperties>> {
  return Type.Object({ ...(extra ?? ({} as E)), ...paginationProperties(sortFields, defaultSort) }, { additionalProperties: false });
}

function paginationProperties(sortFields: readonly string[], defaultSort: string) {
  const allowed = sortFields.flatMap((field) => [field, `-${field}`]);
  return {
    // Bounded: past 2^53 the number is no longer exact and the stores refuse it (was a 500).
    skip: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Items to skip' }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100' }),
    sort: Type.Union(allowed.map((value) => Type.Literal(value)), {
      default: defaultSort,
      description: `Sort field, "-" prefix for descending: ${sortFields.join(', ')}`,
    }),
  };
}
