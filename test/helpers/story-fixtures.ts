/** Builds story content (projects, chapters, scenes, panels, characters, locations) through the API. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { as, type TestUser } from './app.js';

type Json = Record<string, unknown>;
export interface Created extends Json {
  id: string;
  version: number;
}

function expectStatus(response: LightMyRequestResponse, status: number): Created {
  if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
  return response.json().data as Created;
}

export function story(app: FastifyInstance, user: TestUser) {
  const api = as(app, user);
  const create = async (url: string, body: Json) => expectStatus(await api.post(url, body), 201);
  return {
    api,
    project: (body: Json = {}) => create('/api/v1/projects', { title: 'Story', ...body }),
    chapter: (projectId: string, body: Json = {}) => create(`/api/v1/projects/${projectId}/chapters`, { title: 'Chapter', ...body }),
    scene: (chapterId: string, body: Json = {}) => create(`/api/v1/chapters/${chapterId}/scenes`, { title: 'Scene', ...body }),
    panel: (sceneId: string, body: Json = {}) => create(`/api/v1/scenes/${sceneId}/panels`, body),
    character: (projectId: string, body: Json = {}) => create(`/api/v1/projects/${projectId}/characters`, { name: 'Hero', ...body }),
    location: (projectId: string, body: Json = {}) => create(`/api/v1/projects/${projectId}/locations`, { name: 'Harbour', ...body }),
    /** GET that must answer 200; returns `data`. */
    read: async (url: string) => expectStatus(await api.get(url), 200),
  };
}
