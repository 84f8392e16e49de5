/**
 * Translates the port's Filter / FindOptions into SQL over `data` (the JSON document).
 * Field names are validated and interpolated as JSON path literals (a bound path would not
 * match the expression indexes); every value is a bound parameter.
 *
 * json_extract() maps JSON true/false to 1/0 and an object to its JSON text, so each
 * comparison also checks json_type() to keep types apart like MongoDB does:
 * `{n: 1}` never matches `true` or `'1'`, and ranges only compare numbers with numbers
 * and strings with strings.
 */
import type { Condition, Filter, FindOptions, Scalar } from '../../ports/document-store.js';

const FIELD_NAME = /^[a-z_][a-z0-9_]*$/i;

export type SqlParam = string | number;

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

export function assertFieldName(field: string): void {
  if (typeof field !== 'string' || !FIELD_NAME.test(field)) {
    throw new Error(`Invalid field name ${JSON.stringify(field)}: expected ${FIELD_NAME}`);
  }
}

/** SQL expressions giving a field's value and its JSON type; `id` is also the primary-key column. */
function fieldExprs(field: string): { value: string; type: string; path: string } {
  assertFieldName(field);
  const path = `'$.${field}'`;
  if (field === 'id') return { value: 'id', type: `'text'`, path };
  return { value: `json_extract(data, ${path})`, type: `json_type(data, ${path})`, path };
}

/** The json_type() names for a scalar's type, so a bound value only matches its own type. */
function typeCheck(typeExpr: string, value: string | number): string {
  return typeof value === 'string' ? `${typeExpr} = 'text'` : `${typeExpr} IN ('integer', 'real')`;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function assertScalar(field: string, value: unknown): asserts value is Scalar {
  if (!isScalar(value)) throw new Error(`Filter on "${field}": expected a string, number, boolean or null`);
}

/**
 * Equality; null matches a missing field too. Kept as plain top-level `expr = ?` terms so
 * the planner can use the expression indexes; it may yield NULL, which WHERE treats as false.
 */
function equals(f: { value: string; type: string }, value: Scalar, params: SqlParam[]): string {
  if (value === null) return `${f.value} IS NULL`;
  if (typeof value === 'boolean') return `${f.type} = '${value}'`;
  params.push(value);
  return `${f.value} = ? AND ${typeCheck(f.type, value)}`;
}

function inList(f: { value: string; type: string }, values: Scalar[], params: SqlParam[]): string {
  const strings = values.filter((v): v is string => typeof v === 'string');
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const parts: string[] = [];
  for (const group of [strings, numbers]) {
    const first = group[0];
    if (first === undefined) continue;
    params.push(...group);
    parts.push(`(${f.value} IN (${group.map(() => '?').join(', ')}) AND ${typeCheck(f.type, first)})`);
  }
  for (const bool of [true, false]) if (values.includes(bool)) parts.push(equals(f, bool, params));
  if (values.includes(null)) parts.push(equals(f, null, params));
  if (parts.length === 0) return '0';
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

/** `$contains`: the field is an array holding the value (compared with the same type rules). */
function contains(field: string, path: string, value: Scalar, params: SqlParam[], arrayTable: string | undefined): string {
  if (field === 'id') return '0';
  const alias = arrayTable === undefined ? 'je' : 'ax';
  let match: string;
  if (value === null) match = `${alias}.type = 'null'`;
  else if (typeof value === 'boolean') match = `${alias}.type = '${value}'`;
  else {
    params.push(value);
    match = `${typeCheck(`${alias}.type`, value)} AND ${alias}.value = ?`;
  }
  // An array index (array-index.ts) holds the elements of arrays only, so no json_type() check is needed.
  if (arrayTable !== undefined) return `id IN (SELECT ax.id FROM "${arrayTable}" AS ax WHERE ${match})`;
  return `(json_type(data, ${path}) = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ${path}) AS je WHERE ${match}))`;
}

const RANGE_OPS = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;
type RangeOp = keyof typeof RANGE_OPS;

function range(field: string, f: { value: string; type: string }, ops: Record<string, unknown>, params: SqlParam[]): string {
  const parts: string[] = [];
  for (const [op, value] of Object.entries(ops)) {
    if (value === undefined) continue;
    if (!(op in RANGE_OPS)) throw new Error(`Filter on "${field}": unknown operator ${op}`);
    assertScalar(field, value);
    const sqlOp = RANGE_OPS[op as RangeOp];
    if (value === null) {
      // Like MongoDB: null is only "equal" to null/missing, never greater or smaller.
      parts.push(sqlOp.includes('=') ? `${f.value} IS NULL` : '0');
    } else if (typeof value === 'boolean') {
      params.push(value ? 1 : 0);
      parts.push(`${f.type} IN ('true', 'false') AND ${f.value} ${sqlOp} ?`);
    } else {
      params.push(value);
      parts.push(`${typeCheck(f.type, value)} AND ${f.value} ${sqlOp} ?`);
    }
  }
  if (parts.length === 0) throw new Error(`Filter on "${field}": empty condition`);
  return parts.join(' AND ');
}

/** The side tables of the collection's array indexes, by field. */
export type ArrayTables = ReadonlyMap<string, string>;

function condition(field: string, cond: Condition | undefined, params: SqlParam[], arrayTables: ArrayTables | undefined): string {
  // An undefined value is a caller bug that would otherwise silently widen the query.
  if (cond === undefined) throw new Error(`Filter on "${field}" is undefined`);
  const f = fieldExprs(field);
  if (isScalar(cond)) return equals(f, cond, params);
  if (typeof cond !== 'object' || Array.isArray(cond)) {
    throw new Error(`Filter on "${field}": expected a scalar or an operator object`);
  }
  const ops = cond as Record<string, unknown>;
  const keys = Object.keys(ops);
  if (keys.length > 1 && keys.some((k) => k === '$in' || k === '$ne' || k === '$contains')) {
    throw new Error(`Filter on "${field}": $in, $ne and $contains cannot be combined with other operators`);
  }
  if ('$in' in ops) {
    if (!Array.isArray(ops.$in)) throw new Error(`Filter on "${field}": $in needs an array`);
    ops.$in.forEach((v) => assertScalar(field, v));
    return inList(f, ops.$in as Scalar[], params);
  }
  if ('$ne' in ops) {
    assertScalar(field, ops.$ne);
    // $ne matches a missing field too (as in MongoDB), so a NULL comparison must count as "not equal".
    return `NOT ifnull(${equals(f, ops.$ne, params)}, 0)`;
  }
  if ('$contains' in ops) {
    assertScalar(field, ops.$contains);
    return contains(field, f.path, ops.$contains, params, arrayTables?.get(field));
  }
  return range(field, f, ops, params);
}

/** `WHERE ...` (or an empty string for an empty filter). */
export function whereSql(filter: Filter, arrayTables?: ArrayTables): SqlFragment {
  if (filter === null || typeof filter !== 'object') throw new Error('Filter must be an object');
  const params: SqlParam[] = [];
  const parts = Object.entries(filter).map(([field, cond]) => condition(field, cond, params, arrayTables));
  return { sql: parts.length === 0 ? '' : ` WHERE ${parts.map((p) => `(${p})`).join(' AND ')}`, params };
}

/** `ORDER BY ...` with `id` as the final tie-breaker so pages are stable. */
export function orderBySql(options: FindOptions = {}): string {
  const keys = (options.sort ?? []).map(({ field, direction }) => {
    if (direction !== 1 && direction !== -1) throw new Error(`Sort on "${field}": direction must be 1 or -1`);
    return `${fieldExprs(field).value} ${direction === 1 ? 'ASC' : 'DESC'}`;
  });
  if (!(options.sort ?? []).some((k) => k.field === 'id')) keys.push('id ASC');
  return ` ORDER BY ${keys.join(', ')}`;
}

/** The distinct projected fields (`id` always comes first on its own), validated. */
export function projectedFields(fields: readonly string[]): string[] {
  const distinct = [...new Set(fields)].filter((field) => field !== 'id');
  distinct.forEach(assertFieldName);
  if (distinct.includes('__proto__')) throw new Error('Invalid field name "__proto__" in a projection');
  return distinct;
}

/** `id, json_type(f1), json_extract(f1), ...`: the type tells a missing field (NULL) from a JSON null. */
export function selectFieldsSql(fields: readonly string[]): string {
  return ['id', ...fields.map((field) => `json_type(data, '$.${field}'), json_extract(data, '$.${field}')`)].join(', ');
}

/** Builds the projected document from a raw row of selectFieldsSql(fields). */
export function decodeFields(fields: readonly string[], row: unknown[]): Record<string, unknown> {
  const doc: Record<string, unknown> = { id: row[0] };
  fields.forEach((field, i) => {
    const type = row[1 + 2 * i] as string | null;
    const value = row[2 + 2 * i];
    if (type === null) return;
    if (type === 'true' || type === 'false') doc[field] = type === 'true';
    else if (type === 'array' || type === 'object') doc[field] = JSON.parse(value as string);
    else doc[field] = value;
  });
  return doc;
}

/** The projected document from a whole one: id and the fields it has. */
export function pickFields(fields: readonly string[], doc: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = { id: doc.id };
  for (const field of fields) if (Object.hasOwn(doc, field)) picked[field] = doc[field];
  return picked;
}

function assertCount(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new Error(`${name} must be a non-negative integer`);
  }
}

/** `LIMIT ? OFFSET ?`; a limit of 0 returns no items (findPage then only reports the total). */
export function limitSql(options: FindOptions = {}): SqlFragment {
  assertCount('skip', options.skip);
  assertCount('limit', options.limit);
  if (options.limit === undefined && !options.skip) return { sql: '', params: [] };
  return { sql: ' LIMIT ? OFFSET ?', params: [options.limit ?? -1, options.skip ?? 0] };
}
