/**
 * Shared by the OWASP API Top 10 suites (owasp-api*.test.ts): a "world" with one resource of
 * every type a user can own, built through the API as a client would, and the OpenAPI
 * operations of the running app.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { as, type TestUser } from '../helpers/app.js';
import { finished } from './generation.fixtures.js';
import { jpeg, uploadImage } from './images.fixtures.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Limits high enough that building worlds and replaying every route never trips them. */
export const ROOMY_LIMITS = {
  RATE_LIMIT_DEFAULT: '1000000/hour',
  RATE_LIMIT_GENERATION: '100000/minute',
  REGISTRATION_LIMIT: '100000/hour',
  MAX_ACTIVE_JOBS_PER_USER: '100000',
};

export interface World {
  project: string;
  chapter: string;
  chapter2: string;
  scene: string;
  scene2: string;
  panels: [string, string, string];
  character: string;
  location: string;
  instruction: string;
  image: { id: string; url: string; thumbnail_url: string };
  generation: string;
  task: string;
  draft: string;
  variant: string;
}

async function make(app: FastifyInstance, user: TestUser, url: string, body: unknown): Promise<Json> {
  const res = await as(app, user).post(url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json().data;
}

/** One of everything, owned by `user`. */
export async function buildWorld(app: FastifyInstance, user: TestUser): Promise<World> {
  const project = (await make(app, user, '/api/v1/projects', { title: `World of ${user.username}` })).id;
  const chapter = (await make(app, user, `/api/v1/projects/${project}/chapters`, { title: 'One' })).id;
  const chapter2 = (await make(app, user, `/api/v1/projects/${project}/chapters`, { title: 'Two' })).id;
  const scene = (await make(app, user, `/api/v1/chapters/${chapter}/scenes`, { title: 'Docks' })).id;
  const scene2 = (await make(app, user, `/api/v1/chapters/${chapter}/scenes`, { title: 'Bar' })).id;
  const panels: string[] = [];
  for (const description of ['Rain', 'Ship', 'Gull']) panels.push((await make(app, user, `/api/v1/scenes/${scene}/panels`, { description })).id);
  const dialogue = await as(app, user).put(`/api/v1/panels/${panels[0]}/dialogue`, {
    dialogue: [
      { type: 'caption', text: 'Night.' },
      { type: 'sfx', text: 'SPLASH' },
    ],
  });
  expect(dialogue.statusCode, dialogue.body).toBe(200);
  const character = (await make(app, user, `/api/v1/projects/${project}/characters`, { name: 'Hero' })).id;
  const location = (await make(app, user, `/api/v1/projects/${project}/locations`, { name: 'Dock' })).id;
  const instruction = (await make(app, user, `/api/v1/projects/${project}/instructions`, { content: 'Keep it moody' })).id;
  const image = await uploadImage(app, user, project, await jpeg(64, 48));
  for (const [url, body] of [
    [`/api/v1/chapters/${chapter}`, { cover_image_id: image.id }],
    [`/api/v1/panels/${panels[0]}`, { image_id: image.id }],
  ] as const) {
    const res = await as(app, user).put(url, body);
    expect(res.statusCode, res.body).toBe(200);
  }

  const generationRes = await as(app, user).post('/api/v1/generate/image', { project_id: project, prompt: 'A harbour at night' });
  expect(generationRes.statusCode, generationRes.body).toBe(202);
  const generation = await finished(app, user, String(generationRes.headers.location));
  const taskRes = await as(app, user).post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: scene } });
  expect(taskRes.statusCode, taskRes.body).toBe(202);
  const task = await finished(app, user, String(taskRes.headers.location));
  expect(task.draft_id, JSON.stringify(task)).toMatch(/^[0-9a-f]{24}$/);
  const draft = (await as(app, user).get(`/api/v1/drafts/${task.draft_id}`)).json().data;

  return {
    project,
    chapter,
    chapter2,
    scene,
    scene2,
    panels: panels as [string, string, string],
    character,
    location,
    instruction,
    image: { id: image.id, url: image.url, thumbnail_url: image.thumbnail_url },
    generation: String(generation.id),
    task: String(task.id),
    draft: draft.id,
    variant: draft.variants[0].id,
  };
}

/** An operation on one object of a world: method, OpenAPI path, and a valid body for it. */
export type ObjectOperation = [method: string, path: string, body?: (w: World) => unknown];

/**
 * Every operation that names an object (path or body), with a body that is valid for the
 * world's own objects. Deletes last, children before parents (the owner's replay runs in order).
 */
export const OBJECT_OPERATIONS: ObjectOperation[] = [
  ['GET', '/api/v1/projects/{project_id}'],
  ['PUT', '/api/v1/projects/{project_id}', () => ({ title: 'Stolen' })],
  ['GET', '/api/v1/projects/{project_id}/style-guide'],
  ['PUT', '/api/v1/projects/{project_id}/style-guide', () => ({ mood: 'stolen' })],
  ['POST', '/api/v1/projects/{project_id}/style-guide/apply', () => ({})],
  ['GET', '/api/v1/projects/{project_id}/stats'],
  ['GET', '/api/v1/projects/{project_id}/export'],
  ['POST', '/api/v1/projects/{project_id}/duplicate', () => ({})],
  ['GET', '/api/v1/projects/{project_id}/chapters'],
  ['POST', '/api/v1/projects/{project_id}/chapters', () => ({ title: 'Planted' })],
  ['GET', '/api/v1/chapters/{chapter_id}'],
  ['PUT', '/api/v1/chapters/{chapter_id}', () => ({ title: 'Stolen' })],
  ['POST', '/api/v1/chapters/{chapter_id}/reorder', () => ({ order: 1 })],
  ['GET', '/api/v1/chapters/{chapter_id}/scenes'],
  ['POST', '/api/v1/chapters/{chapter_id}/scenes', () => ({ title: 'Planted' })],
  ['GET', '/api/v1/chapters/{chapter_id}/cover'],
  ['POST', '/api/v1/chapters/{chapter_id}/instructions', () => ({ content: 'Planted' })],
  ['POST', '/api/v1/chapters/{chapter_id}/generate-cover', () => ({})],
  ['GET', '/api/v1/scenes/{scene_id}'],
  ['PUT', '/api/v1/scenes/{scene_id}', () => ({ title: 'Stolen' })],
  ['GET', '/api/v1/scenes/{scene_id}/panels'],
  ['POST', '/api/v1/scenes/{scene_id}/reorder-panels', (w) => ({ panel_ids: [w.panels[2], w.panels[1], w.panels[0]] })],
  ['POST', '/api/v1/scenes/{scene_id}/panels', () => ({ description: 'Planted' })],
  ['POST', '/api/v1/scenes/{scene_id}/instructions', () => ({ content: 'Planted' })],
  ['POST', '/api/v1/scenes/{scene_id}/breakdown', () => ({})],
  ['GET', '/api/v1/panels/{panel_id}'],
  ['PUT', '/api/v1/panels/{panel_id}', () => ({ description: 'Stolen' })],
  ['PUT', '/api/v1/panels/{panel_id}/dialogue', () => ({ dialogue: [{ type: 'caption', text: 'Planted' }] })],
  ['POST', '/api/v1/panels/{panel_id}/split', () => ({ dialogue_index: 1 })],
  ['POST', '/api/v1/panels/{panel_id}/merge', (w) => ({ panel_id: w.panels[1] })],
  ['GET', '/api/v1/panels/{panel_id}/image'],
  ['POST', '/api/v1/panels/{panel_id}/instructions', () => ({ content: 'Planted' })],
  ['POST', '/api/v1/panels/{panel_id}/generate-image', () => ({})],
  ['GET', '/api/v1/projects/{project_id}/characters'],
  ['POST', '/api/v1/projects/{project_id}/characters', () => ({ name: 'Planted' })],
  ['GET', '/api/v1/characters/{character_id}'],
  ['PUT', '/api/v1/characters/{character_id}', () => ({ name: 'Stolen' })],
  ['GET', '/api/v1/characters/{character_id}/appearances'],
  ['POST', '/api/v1/characters/{character_id}/designs', (w) => ({ image_id: w.image.id })],
  ['POST', '/api/v1/characters/{character_id}/generate-sheet', () => ({})],
  ['GET', '/api/v1/projects/{project_id}/locations'],
  ['POST', '/api/v1/projects/{project_id}/locations', () => ({ name: 'Planted' })],
  ['GET', '/api/v1/locations/{location_id}'],
  ['PUT', '/api/v1/locations/{location_id}', () => ({ name: 'Stolen' })],
  ['GET', '/api/v1/locations/{location_id}/usage'],
  ['POST', '/api/v1/locations/{location_id}/references', (w) => ({ image_id: w.image.id })],
  ['GET', '/api/v1/projects/{project_id}/instructions'],
  ['POST', '/api/v1/projects/{project_id}/instructions', () => ({ content: 'Planted' })],
  ['GET', '/api/v1/instructions/{instruction_id}'],
  ['PUT', '/api/v1/instructions/{instruction_id}', () => ({ content: 'Stolen' })],
  ['POST', '/api/v1/instructions/{instruction_id}/toggle', () => ({})],
  ['GET', '/api/v1/images/{image_id}/metadata'],
  ['POST', '/api/v1/images/{image_id}/variations', () => ({})],
  ['POST', '/api/v1/images/{image_id}/style-transfer', () => ({})],
  ['POST', '/api/v1/generate/image', (w) => ({ project_id: w.project, prompt: 'A harbour' })],
  ['POST', '/api/v1/generate/panel-sequence', (w) => ({ scene_id: w.scene })],
  ['POST', '/api/v1/generate/character-design', (w) => ({ character_id: w.character })],
  ['POST', '/api/v1/generate/background', (w) => ({ location_id: w.location })],
  ['GET', '/api/v1/generate/status/{generation_id}'],
  ['POST', '/api/v1/generate/cancel/{generation_id}'],
  ['POST', '/api/v1/tasks/execute', (w) => ({ type: 'scene_summary', target: { type: 'scene', id: w.scene } })],
  ['GET', '/api/v1/tasks/{task_id}/status'],
  ['GET', '/api/v1/tasks/{task_id}/result'],
  ['POST', '/api/v1/tasks/{task_id}/cancel'],
  ['GET', '/api/v1/drafts/{draft_id}'],
  ['POST', '/api/v1/drafts/{draft_id}/feedback', (w) => ({ rating: 5, variant_id: w.variant })],
  ['POST', '/api/v1/drafts/{draft_id}/revise', () => ({ instructions: 'Darker' })],
  ['POST', '/api/v1/drafts/{draft_id}/select', (w) => ({ variant_id: w.variant })],
  ['POST', '/api/v1/drafts/{draft_id}/reject', () => ({})],
  ['POST', '/api/v1/workflow/auto-panel', (w) => ({ scene_id: w.scene })],
  ['POST', '/api/v1/workflow/storyboard', (w) => ({ chapter_id: w.chapter })],
  ['POST', '/api/v1/workflow/generate-chapter', (w) => ({ chapter_id: w.chapter2 })],
  ['POST', '/api/v1/workflow/consistency-check', (w) => ({ project_id: w.project })],
  ['DELETE', '/api/v1/drafts/{draft_id}'],
  ['DELETE', '/api/v1/instructions/{instruction_id}'],
  ['DELETE', '/api/v1/panels/{panel_id}'],
  ['DELETE', '/api/v1/scenes/{scene_id}'],
  ['DELETE', '/api/v1/chapters/{chapter_id}'],
  ['DELETE', '/api/v1/characters/{character_id}'],
  ['DELETE', '/api/v1/locations/{location_id}'],
  ['DELETE', '/api/v1/images/{image_id}'],
  ['DELETE', '/api/v1/projects/{project_id}'],
];

/** The same shape with ids that exist nowhere (what a stranger's ids must look like). */
export function ghostWorld(): World {
  const id = () => newId();
  const image = id();
  return {
    project: id(),
    chapter: id(),
    chapter2: id(),
    scene: id(),
    scene2: id(),
    panels: [id(), id(), id()],
    character: id(),
    location: id(),
    instruction: id(),
    image: { id: image, url: `/api/v1/images/${image}`, thumbnail_url: `/api/v1/images/${image}/thumbnail` },
    generation: id(),
    task: id(),
    draft: id(),
    variant: id(),
  };
}

/** Path parameter -> the world's resource of that type. */
export function pathParams(world: World): Record<string, string> {
  return {
    project_id: world.project,
    chapter_id: world.chapter,
    scene_id: world.scene,
    panel_id: world.panels[0],
    character_id: world.character,
    location_id: world.location,
    instruction_id: world.instruction,
    image_id: world.image.id,
    generation_id: world.generation,
    task_id: world.task,
    draft_id: world.draft,
  };
}

export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return value;
  });
}

export interface Operation {
  method: string;
  path: string;
  operation: Json;
}

/** Every operation of the OpenAPI document the app serves. */
export async function openApiOperations(app: FastifyInstance): Promise<{ doc: Json; operations: Operation[] }> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json();
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Json>(doc.paths)) {
    for (const [method, operation] of Object.entries<Json>(methods)) operations.push({ method: method.toUpperCase(), path, operation });
  }
  return { doc, operations };
}

/** Resolves a `$ref` of the document (or returns the schema as is). */
export function deref(doc: Json, schema: Json | undefined): Json | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref && hops < 10; hops++) {
    const parts = String(current.$ref).replace(/^#\//, '').split('/');
    current = parts.reduce<Json | undefined>((node, part) => node?.[part], doc);
  }
  return current;
}

/** Every (sub)schema reachable from `schema`, with the property path that leads to it. */
export function* walkSchema(doc: Json, schema: Json | undefined, at = '', seen = new Set<Json>()): Generator<{ at: string; schema: Json }> {
  const node = deref(doc, schema);
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  yield { at, schema: node };
  for (const [name, child] of Object.entries<Json>(node.properties ?? {})) yield* walkSchema(doc, child, at ? `${at}.${name}` : name, seen);
  if (node.items) yield* walkSchema(doc, node.items, `${at}[]`, seen);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') yield* walkSchema(doc, node.additionalProperties, `${at}{}`, seen);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) for (const child of node[key] ?? []) yield* walkSchema(doc, child, at, seen);
}
