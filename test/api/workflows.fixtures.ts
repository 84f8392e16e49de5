/**
 * Helpers for the workflow suites: the generation story plus a second character and an empty
 * scene with a description to break down, and running a workflow request to its end.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { as, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';
import { finished, seedStory, type Story } from './generation.fixtures.js';

type Json = Record<string, unknown>;

export interface WorkflowStory extends Story {
  tomId: string;
  /** A scene with a description, both characters, the pier, and no panels. */
  emptySceneId: string;
}

export const EMPTY_SCENE_DESCRIPTION = 'Mara walks along the pier in the rain. Tom waits under the lamp. "You came back," Tom says. Mara stares at the black water.';

export async function seedWorkflowStory(app: FastifyInstance, user: TestUser): Promise<WorkflowStory> {
  const base = await seedStory(app, user);
  const s = story(app, user);
  const tom = await s.character(base.projectId, { name: 'Tom', appearance: 'old sailor, grey beard', description: 'Harbour master' });
  const scene = await s.scene(base.chapterId, { title: 'Under the lamp', description: EMPTY_SCENE_DESCRIPTION, location_id: base.locationId, character_ids: [base.characterId, tom.id] });
  const res = await s.api.post(`/api/v1/projects/${base.projectId}/instructions`, { content: 'Keep every panel wordless except for quotes', scope: { type: 'scene', id: scene.id } });
  if (res.statusCode !== 201) throw new Error(`instruction: ${res.statusCode} ${res.body}`);
  return { ...base, tomId: tom.id, emptySceneId: scene.id };
}

/** Expects a 202 job answer whose Location is its status URL; polls it to the end. */
export async function runToEnd(app: FastifyInstance, user: TestUser, res: LightMyRequestResponse, kind: 'task' | 'generation' = 'task'): Promise<Json & { id: string; status: string; result: Json; draft_id: string | null; prompt: string | null; type: string }> {
  expect(res.statusCode, res.body).toBe(202);
  const job = res.json().data;
  expect(job).toMatchObject({ kind, status: 'queued', progress: 0 });
  const location = String(res.headers.location);
  expect(location).toBe(kind === 'task' ? `/api/v1/tasks/${job.id}/status` : `/api/v1/generate/status/${job.id}`);
  const done = await finished(app, user, location, 30_000);
  expect(done.status, JSON.stringify(done)).toBe('succeeded');
  return done as never;
}

export async function draftOf(app: FastifyInstance, user: TestUser, draftId: string): Promise<Json & { id: string; status: string; variants: (Json & { id: string; content?: unknown; image_id?: string })[]; target: { type: string; id: string } }> {
  const res = await as(app, user).get(`/api/v1/drafts/${draftId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

export async function panelsOf(app: FastifyInstance, user: TestUser, sceneId: string): Promise<(Json & { id: string; order: number; visual_prompt: string; description: string; image_id: string | null; character_ids: string[] })[]> {
  const res = await as(app, user).get(`/api/v1/scenes/${sceneId}/panels?limit=100`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.items;
}

/** Orders are exactly 0..n-1 in list order. */
export function expectDense(items: { order: number }[]): void {
  expect(items.map((item) => item.order)).toEqual(items.map((_, index) => index));
}
