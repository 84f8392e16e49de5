/**
 * Helpers for the draft suites: an app whose limits let many jobs run, running a generation or
 * task endpoint to its end and reading the draft it made, planting draft documents directly
 * (for kinds no endpoint makes yet), and collecting the events the app publishes.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import type { AppEvent } from '../../src/ports/event-bus.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { as, buildTestApp, type TestApp, type TestAppOptions, type TestUser } from '../helpers/app.js';
import { finished } from './generation.fixtures.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const LIMITS = { RATE_LIMIT_GENERATION: '100000/minute', RATE_LIMIT_DEFAULT: '1000000/hour' };

export async function draftsApp(options: TestAppOptions = {}): Promise<{ t: TestApp; events: AppEvent[] }> {
  const t = await buildTestApp({ ...options, env: { ...LIMITS, ...options.env } });
  const events: AppEvent[] = [];
  t.container.events.subscribe((event) => events.push(event));
  return { t, events };
}

/** POSTs a job endpoint (202), waits for the job to succeed, returns it. */
export async function runJob(app: FastifyInstance, user: TestUser, url: string, body: unknown = {}): Promise<Json> {
  const res = await as(app, user).post(url, body);
  expect(res.statusCode, res.body).toBe(202);
  const job = await finished(app, user, String(res.headers.location));
  expect(job.status, JSON.stringify(job)).toBe('succeeded');
  return job;
}

/** Runs the job and answers the draft it made. */
export async function draftFrom(app: FastifyInstance, user: TestUser, url: string, body: unknown = {}): Promise<Json> {
  const job = await runJob(app, user, url, body);
  expect(job.draft_id).toMatch(/^[0-9a-f]{24}$/);
  return getDraft(app, user, job.draft_id as string);
}

export async function getDraft(app: FastifyInstance, user: TestUser, draftId: string): Promise<Json> {
  const res = await as(app, user).get(`/api/v1/drafts/${draftId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

/** A text task's draft for a target. */
export const taskDraft = (app: FastifyInstance, user: TestUser, type: string, target: { type: string; id: string }, variants = 2) =>
  draftFrom(app, user, '/api/v1/tasks/execute', { type, target, params: { variants } });

export interface PlantedDraft {
  owner_id: string;
  project_id: string;
  target: { type: string; id: string };
  kind?: 'text' | 'image';
  variants: { content?: unknown; image_id?: string; metadata?: Record<string, unknown> }[];
  status?: string;
  source?: { type: string; id: string };
}

/** Inserts a draft document the way drafts.store.ts shapes it (for drafts no endpoint makes yet). */
export async function plantDraft(store: DocumentStore, input: PlantedDraft): Promise<Json> {
  const source = input.source ?? { type: 'task', id: newId() };
  return store.insert<StoredDoc & Json>('drafts', {
    id: newId(),
    owner_id: input.owner_id,
    project_id: input.project_id,
    target: input.target,
    target_type: input.target.type,
    target_id: input.target.id,
    kind: input.kind ?? 'text',
    source,
    source_type: source.type,
    source_id: source.id,
    variants: input.variants.map((variant) => ({ id: newId(), metadata: {}, ...variant })),
    status: input.status ?? 'pending',
    selected_variant_id: null,
    feedback: [],
    revision_of: null,
  });
}

/** content_update events of `resource` (optionally one id) published so far. */
export const contentEvents = (events: AppEvent[], resource: string, id?: string) =>
  events.filter((event) => event.type === 'content_update' && event.data.resource === resource && (id === undefined || event.data.id === id)).map((event) => event.data);
