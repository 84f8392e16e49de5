/** Shared set-up for the panels API tests: a project > chapter > scene per user, panel helpers. */
import { expect } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

export const V1 = '/api/v1';

export type Api = ReturnType<typeof as>;

export interface Bubble {
  id: string;
  type: string;
  character_id: string | null;
  text: string;
  order: number;
}

export interface PanelJson {
  id: string;
  owner_id: string;
  project_id: string;
  chapter_id: string;
  scene_id: string;
  order: number;
  version: number;
  description: string;
  shot_type: string | null;
  camera_angle: string;
  character_ids: string[];
  location_id: string | null;
  visual_prompt: string;
  image_id: string | null;
  notes: string;
  dialogue: Bubble[];
  created_at: string;
  updated_at: string;
}

export interface SceneIds {
  projectId: string;
  chapterId: string;
  sceneId: string;
}

export interface PanelsWorld {
  t: TestApp;
  alice: TestUser;
  bob: TestUser;
  a: Api;
  b: Api;
}

export async function buildWorld(): Promise<PanelsWorld> {
  const t = await buildTestApp();
  const alice = await createUser(t.app);
  const bob = await createUser(t.app);
  return { t, alice, bob, a: as(t.app, alice), b: as(t.app, bob) };
}

async function created<T>(response: { statusCode: number; body: string; json(): { data: T } }): Promise<T> {
  expect(response.statusCode, response.body).toBe(201);
  return response.json().data;
}

/** A fresh project with one chapter and one scene, made through the API. */
export async function makeScene(api: Api): Promise<SceneIds> {
  const project = await created<{ id: string }>(await api.post(`${V1}/projects`, { title: 'Panels test' }));
  const chapter = await created<{ id: string }>(await api.post(`${V1}/projects/${project.id}/chapters`, { title: 'Chapter' }));
  const scene = await created<{ id: string }>(await api.post(`${V1}/chapters/${chapter.id}/scenes`, { title: 'Scene' }));
  return { projectId: project.id, chapterId: chapter.id, sceneId: scene.id };
}

/** Another scene in the same chapter. */
export async function addScene(api: Api, chapterId: string): Promise<string> {
  return (await created<{ id: string }>(await api.post(`${V1}/chapters/${chapterId}/scenes`, { title: 'Another scene' }))).id;
}

export async function addPanel(api: Api, sceneId: string, body: Record<string, unknown> = {}): Promise<PanelJson> {
  return created<PanelJson>(await api.post(`${V1}/scenes/${sceneId}/panels`, body));
}

/** Every panel of the scene in order (the test scenes stay under 100 panels). */
export async function listAll(api: Api, sceneId: string): Promise<PanelJson[]> {
  const response = await api.get(`${V1}/scenes/${sceneId}/panels?limit=100`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data.items;
}

/** Orders are exactly 0..n-1 in list order; returns the ids in order. */
export async function expectDense(api: Api, sceneId: string): Promise<string[]> {
  const panels = await listAll(api, sceneId);
  expect(panels.map((panel) => panel.order)).toEqual(panels.map((_, index) => index));
  return panels.map((panel) => panel.id);
}

/** A character or location of the project, made through its module's API. */
export async function addProjectRef(api: Api, collection: 'characters' | 'locations', projectId: string): Promise<string> {
  return (await created<{ id: string }>(await api.post(`${V1}/projects/${projectId}/${collection}`, { name: `A ${collection.slice(0, -1)}` }))).id;
}

/** An instruction scoped to a panel, made through the instructions API. */
export async function addPanelInstruction(api: Api, panelId: string): Promise<string> {
  return (await created<{ id: string }>(await api.post(`${V1}/panels/${panelId}/instructions`, { content: 'Keep the lighting moody' }))).id;
}

/** HTTP status of GET /instructions/{id} (404 once it is gone). */
export async function instructionStatus(api: Api, instructionId: string): Promise<number> {
  return (await api.get(`${V1}/instructions/${instructionId}`)).statusCode;
}

export const speech = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'speech', text, ...extra });
