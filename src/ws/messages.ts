/**
 * The WebSocket wire format: client frame parsing, subscription matching and close codes.
 * Pure logic (no sockets), so it is unit-tested on its own.
 */
import type { AppEvent } from '../ports/event-bus.js';
import { isId } from '../lib/ids.js';

/** Resource names a client may subscribe to (the `resource` of content_update frames). */
export const RESOURCES = [
  'project',
  'style_guide',
  'chapter',
  'scene',
  'panel',
  'dialogue',
  'character',
  'location',
  'instruction',
  'image',
  'draft',
] as const;

export type ResourceName = (typeof RESOURCES)[number];

/** Application close codes (4000-4999) mirror the HTTP status they stand for. */
export const CLOSE = {
  /** Server shutting down. */
  goingAway: 1001,
  unauthorized: 4401,
  notFound: 4404,
  /** The client did not read fast enough; its send buffer passed the limit. */
  tooSlow: 4008,
} as const;

export const MAX_SUBSCRIPTIONS = 100;

export interface ServerFrame {
  type: string;
  data: unknown;
  timestamp: string;
}

export function frame(type: string, data: unknown): ServerFrame {
  return { type, data, timestamp: new Date().toISOString() };
}

export interface SubscriptionTarget {
  resource: ResourceName;
  id: string | null;
}

export type ClientMessage =
  | { ok: true; type: 'subscribe' | 'unsubscribe'; target: SubscriptionTarget }
  | { ok: false; code: 'bad_request' | 'unknown_type' | 'validation_failed'; message: string; field?: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses `{ type, data: { resource, id? } }`; `resource`/`id` at the top level are accepted
 * too when there is no `data` object.
 */
export function parseClientMessage(text: string): ClientMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_request', message: 'Frame is not valid JSON' };
  }
  if (!isObject(parsed)) return { ok: false, code: 'bad_request', message: 'Frame must be a JSON object' };
  const { type } = parsed;
  if (type !== 'subscribe' && type !== 'unsubscribe') {
    return { ok: false, code: 'unknown_type', message: 'Unknown message type; expected subscribe or unsubscribe', field: 'type' };
  }
  const body = isObject(parsed.data) ? parsed.data : parsed;
  const prefix = body === parsed ? '' : 'data.';
  const { resource, id } = body;
  if (typeof resource !== 'string' || !(RESOURCES as readonly string[]).includes(resource)) {
    return { ok: false, code: 'validation_failed', message: `resource must be one of ${RESOURCES.join(', ')}`, field: `${prefix}resource` };
  }
  if (id !== undefined && id !== null && !isId(id)) {
    return { ok: false, code: 'validation_failed', message: 'id must be a 24-hex id', field: `${prefix}id` };
  }
  return { ok: true, type, target: { resource: resource as ResourceName, id: id ?? null } };
}

/** A socket's subscriptions; empty means "everything in the project". */
export class Subscriptions {
  private readonly keys = new Set<string>();

  private static key(target: SubscriptionTarget): string {
    return target.id === null ? target.resource : `${target.resource}:${target.id}`;
  }

  get size(): number {
    return this.keys.size;
  }

  /** False when the limit is reached (an existing subscription is always accepted). */
  add(target: SubscriptionTarget): boolean {
    const key = Subscriptions.key(target);
    if (!this.keys.has(key) && this.keys.size >= MAX_SUBSCRIPTIONS) return false;
    this.keys.add(key);
    return true;
  }

  remove(target: SubscriptionTarget): boolean {
    return this.keys.delete(Subscriptions.key(target));
  }

  list(): SubscriptionTarget[] {
    return [...this.keys].map((key) => {
      const [resource, id] = key.split(':');
      return { resource: resource as ResourceName, id: id ?? null };
    });
  }

  /** Job frames always pass; content_update passes when nothing is subscribed or it matches. */
  wants(event: Pick<AppEvent, 'type' | 'data'>): boolean {
    if (event.type !== 'content_update' || this.keys.size === 0) return true;
    const { resource, id } = event.data;
    if (typeof resource !== 'string') return false;
    return this.keys.has(resource) || (typeof id === 'string' && this.keys.has(`${resource}:${id}`));
  }
}
