/**
 * Translates the port's Filter and sort keys into MongoDB queries. The port's `id` is the
 * document's `_id`. MongoDB's own semantics already match the contract: equality is typed,
 * `null` matches a missing field, `$ne` matches missing fields, ranges compare within a type.
 */
import type { Condition, Filter, Scalar, SortKey, Totals } from '../../ports/document-store.js';

const FIELD_NAME = /^[a-z_][a-z0-9_]*$/i;
const RANGE_OPS = ['$gt', '$gte', '$lt', '$lte'] as const;

export function mongoField(field: string): string {
  if (typeof field !== 'string' || !FIELD_NAME.test(field)) throw new Error(`Invalid field name ${JSON.stringify(field)}`);
  return field === 'id' ? '_id' : field;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function scalar(field: string, value: unknown): Scalar {
  if (!isScalar(value)) throw new Error(`Filter on "${field}": expected a string, number, boolean or null`);
  return value;
}

function condition(field: string, cond: Condition): unknown {
  if (cond === undefined) throw new Error(`Filter on "${field}" is undefined`);
  if (isScalar(cond)) return cond === null ? null : { $eq: cond };
  const keys = Object.keys(cond);
  if (keys.length === 0) throw new Error(`Filter on "${field}" has no operator`);
  if ('$in' in cond) {
    if (keys.length !== 1 || !Array.isArray(cond.$in)) throw new Error(`Filter on "${field}": $in stands alone with an array`);
    return { $in: cond.$in.map((value) => scalar(field, value)) };
  }
  if ('$ne' in cond) {
    if (keys.length !== 1) throw new Error(`Filter on "${field}": $ne stands alone`);
    return { $ne: scalar(field, cond.$ne) };
  }
  if ('$contains' in cond) {
    if (keys.length !== 1) throw new Error(`Filter on "${field}": $contains stands alone`);
    // $elemMatch only matches arrays, unlike plain equality which also matches a scalar field.
    return { $elemMatch: { $eq: scalar(field, cond.$contains) } };
  }
  const range: Record<string, Scalar> = {};
  for (const key of keys) {
    if (!(RANGE_OPS as readonly string[]).includes(key)) throw new Error(`Filter on "${field}": unknown operator ${key}`);
    const value = (cond as Record<string, unknown>)[key];
    if (value !== undefined) range[key] = scalar(field, value);
  }
  return range;
}

export function toMongoFilter(filter: Filter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [field, cond] of Object.entries(filter)) {
    const translated = condition(field, cond);
    // Contract: $contains on `id` never matches (it is not an array).
    if (field === 'id' && cond !== null && typeof cond === 'object' && '$contains' in cond) return { _id: { $in: [] } };
    query[mongoField(field)] = translated;
  }
  return query;
}

/** The given keys, then `_id` ascending as the tie-breaker so pages are stable. */
export function toMongoSort(sort: SortKey[] | undefined): [string, 1 | -1][] {
  const keys: [string, 1 | -1][] = (sort ?? []).map(({ field, direction }) => [mongoField(field), direction === -1 ? -1 : 1]);
  if (!keys.some(([field]) => field === '_id')) keys.push(['_id', 1]);
  return keys;
}

/** `{ f: 1, ... }` for a projection (`_id` comes anyway), or undefined for whole documents. */
export function toMongoProjection(fields: readonly string[] | undefined): Record<string, 1> | undefined {
  if (fields === undefined) return undefined;
  const projection: Record<string, 1> = { _id: 1 };
  for (const field of fields) projection[mongoField(field)] = 1;
  return projection;
}

/**
 * `$match` + `$group` computing the count and one `$sum` per field in the server ($sum skips
 * non-numbers, as the port wants). Output keys are positional so no field name can clash.
 * FerretDB v1 computes only the first accumulator of a `$group` (the others come back 0), so
 * with `oneAccumulatorPerGroup` each total gets its own pipeline (run side by side).
 */
export function totalsPipelines(
  match: Record<string, unknown>,
  sumFields: readonly string[],
  oneAccumulatorPerGroup: boolean,
): { pipelines: Record<string, unknown>[][]; read: (outputs: Record<string, unknown>[][]) => Totals } {
  const fields = [...new Set(sumFields)];
  const accumulators: [string, unknown][] = [['n', { $sum: 1 }], ...fields.map((field, i): [string, unknown] => [`s${i}`, { $sum: `$${mongoField(field)}` }])];
  const groups = oneAccumulatorPerGroup ? accumulators.map((one) => [one]) : [accumulators];
  const pipelines = groups.map((group) => [{ $match: match }, { $group: { _id: null, ...Object.fromEntries(group) } }]);
  const read = (outputs: Record<string, unknown>[][]): Totals => {
    const row: Record<string, unknown> = Object.assign({}, ...outputs.map((out) => out[0] ?? {}));
    const number = (value: unknown) => (typeof value === 'number' ? value : 0);
    return { count: number(row.n), sums: Object.fromEntries(fields.map((field, i) => [field, number(row[`s${i}`])])) };
  };
  return { pipelines, read };
}
