/**
 * Helpers for the hostile-input suite: a seeded world whose ids fill path parameters, a
 * minimal valid body made from an operation's documented schema, a write tripwire that
 * records which request wrote to the store, and a bounded-concurrency runner.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { newId } from '../../src/lib/ids.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import { as, type TestUser } from '../helpers/app.js';
import { plantDraft } from './drafts.fixtures.js';
import { png, uploadImage } from './images.fixtures.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Path parameter name -> a real id of the seeded user. */
export type Ids = Record<string, string>;

async function created(app: FastifyInstance, user: TestUser, url: string, body: unknown, status = 201): Promise<string> {
  const res = await as(app, user).post(url, body);
  if (res.statusCode !== status) throw new Error(`seed ${url}: ${res.statusCode} ${res.body}`);
  return res.json().data.id as string;
}

/** One of everything, made through the API (plus a planted draft), so every path id is real. */
export async function seedWorld(app: FastifyInstance, store: DocumentStore, user: TestUser): Promise<Ids> {
  const project_id = await created(app, user, '/api/v1/projects', { title: 'Hostile' });
  const chapter_id = await created(app, user, `/api/v1/projects/${project_id}/chapters`, { title: 'One' });
  const scene_id = await created(app, user, `/api/v1/chapters/${chapter_id}/scenes`, { title: 'Dock' });
  const panel_id = await created(app, user, `/api/v1/scenes/${scene_id}/panels`, { description: 'First', dialogue: [{ type: 'caption', text: 'Rain.' }] });
  const second_panel_id = await created(app, user, `/api/v1/scenes/${scene_id}/panels`, { description: 'Second' });
  const character_id = await created(app, user, `/api/v1/projects/${project_id}/characters`, { name: 'Hero' });
  const location_id = await created(app, user, `/api/v1/projects/${project_id}/locations`, { name: 'Dock' });
  const instruction_id = await created(app, user, `/api/v1/projects/${project_id}/instructions`, { content: 'Keep it moody' });
  const image_id = (await uploadImage(app, user, project_id, await png(32, 24), [['panel_id', panel_id]])).id;
  const generation_id = await created(app, user, `/api/v1/panels/${panel_id}/generate-image`, {}, 202);
  const task_id = await created(app, user, '/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: scene_id } }, 202);
  const draft = await plantDraft(store, {
    owner_id: user.id,
    project_id,
    target: { type: 'panel', id: panel_id },
    variants: [{ content: { description: 'A' } }, { content: { description: 'B' } }],
  });
  return { project_id, chapter_id, scene_id, panel_id, second_panel_id, character_id, location_id, instruction_id, image_id, generation_id, task_id, draft_id: draft.id as string };
}

/** A real id for a field name (`panel_id`, `with_panel_id`, `character_ids`, ...), else a fresh one. */
function idFor(name: string, ids: Ids): string {
  if (name.startsWith('with_') || name.startsWith('other_')) return ids.second_panel_id!;
  const singular = name.replace(/_ids$/, '_id');
  return ids[singular] ?? ids[`${singular}_id`] ?? newId();
}

/**
 * The smallest body the documented schema accepts (required fields only), with real ids. It
 * gets hostile values swapped in one field at a time, so those reach the service, not just Ajv.
 */
export function sample(schema: Json | undefined, ids: Ids, name = ''): unknown {
  if (!schema) return {};
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (alternatives) return sample(alternatives.find((option) => option.type !== 'null') ?? alternatives[0], ids, name);
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'object': {
      const out: Json = {};
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      for (const key of (schema.required ?? []) as string[]) out[key] = sample(properties[key], ids, key);
      // A {type, id} reference: the id of that type.
      if (typeof out.type === 'string' && 'id' in out) out.id = ids[`${out.type}_id`] ?? out.id;
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items, ids, name));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.pattern === '^[0-9a-f]{24}$') return idFor(name, ids);
      if (schema.format === 'date-time') return new Date().toISOString();
      if (String(schema.pattern ?? '').includes('#')) return '#112233';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    default:
      return 'x';
  }
}

/** Top-level properties of a body schema with their JSON types (anyOf flattened). */
export function bodyFields(schema: Json | undefined): { name: string; types: Set<string> }[] {
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  const typesOf = (field: Json): string[] =>
    field.anyOf || field.oneOf ? ((field.anyOf ?? field.oneOf) as Json[]).flatMap(typesOf) : field.type ? [field.type as string] : ['any'];
  return Object.entries(properties).map(([name, field]) => ({ name, types: new Set(typesOf(field)) }));
}

export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

export function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** `body` as JSON text with `raw` (any JSON text, even 1e309 or a lone surrogate escape) as the value of `field`. */
export function withRaw(body: unknown, field: string, raw: string): string {
  const marker = `__hostile_${newId()}__`;
  const base = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return JSON.stringify({ ...base, [field]: marker }).replace(JSON.stringify(marker), raw);
}

/**
 * Records every store write with the label of the request that caused it. Writes inside a
 * transaction count only once it commits (a rolled-back write persisted nothing).
 */
export function writeTripwire(store: DocumentStore) {
  const context = new AsyncLocalStorage<string>();
  const writes = new Map<string, string[]>();
  const WRITES = ['insert', 'insertMany', 'update', 'delete', 'deleteMany'] as const;
  const record = (label: string | undefined, entry: string, into: string[] | null) => {
    if (label === undefined) return;
    if (into) into.push(entry);
    else writes.set(label, [...(writes.get(label) ?? []), entry]);
  };
  const WRITE_SET = new Set<string>(WRITES);
  for (const method of WRITES) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      const result = await original(...args);
      record(context.getStore(), `${method} ${String(args[0])}`, null);
      return result;
    };
  }
  // The transaction store is wrapped in a proxy: it may be a shared object, never patch it.
  const collecting = (tx: DocumentStore, pending: string[]): DocumentStore =>
    new Proxy(tx, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'transaction') return (fn: (inner: DocumentStore) => Promise<unknown>) => target.transaction((inner) => fn(collecting(inner, pending)));
        if (!WRITE_SET.has(String(property))) return (value as (...args: unknown[]) => unknown).bind(target);
        return async (...args: unknown[]) => {
          const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
          record(context.getStore(), `${String(property)} ${String(args[0])}`, pending);
          return result;
        };
      },
    });
  const transaction = store.transaction.bind(store);
  store.transaction = async (fn) => {
    const pending: string[] = [];
    const result = await transaction((tx) => fn(collecting(tx, pending)));
    const label = context.getStore();
    if (label !== undefined && pending.length > 0) writes.set(label, [...(writes.get(label) ?? []), ...pending]);
    return result;
  };
  return {
    /**
     * Runs `call` with its store writes attributed to `label`. `call` must start its work
     * synchronously: inject's lazy thenable, awaited, would run outside the context.
     */
    run: <T>(label: string, call: () => Promise<T>) => context.run(label, call),
    writesOf: (label: string) => writes.get(label) ?? [],
  };
}

export interface HostileRequest {
  label: string;
  options: InjectOptions;
}

export interface Outcome {
  label: string;
  status: number;
  body: string;
  error?: string;
}

/** Injects every request, `concurrency` at a time; a request that takes over `timeoutMs` is a hang. */
export async function runAll(
  app: FastifyInstance,
  requests: HostileRequest[],
  { concurrency = 8, timeoutMs = 15_000, wrap = <T>(_label: string, call: () => Promise<T>) => call() } = {},
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const { label, options } = requests[next++]!;
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const res: LightMyRequestResponse = await Promise.race([wrap(label, () => app.inject(options).then((res) => res)), hang]);
        outcomes.push({ label, status: res.statusCode, body: res.body });
      } catch (error) {
        outcomes.push({ label, status: 0, body: '', error: String(error) });
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Why an outcome breaks the contract (5xx, hang, 4xx without the error envelope), or null. */
export function violation(outcome: Outcome): string | null {
  if (outcome.error) return outcome.error;
  if (outcome.status >= 500) return `${outcome.status} ${outcome.body.slice(0, 300)}`;
  if (outcome.status < 400) return null;
  try {
    const body = JSON.parse(outcome.body) as Json;
    if (body.success === false && typeof body.code === 'string' && body.code && typeof body.error === 'string') return null;
  } catch {
    // falls through: not JSON
  }
  return `${outcome.status} without the error envelope: ${outcome.body.slice(0, 300)}`;
}
