import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { ScenesService } from './scenes.service.js';
import { Scene, SceneCreate, SceneListQuery, ScenePage, SceneUpdate } from './scenes.schemas.js';

const ChapterParams = IdParams('chapter_id');
const Params = IdParams('scene_id');

export const scenesRoutes: FastifyPluginAsyncTypebox<{ scenes: ScenesService }> = async (app, { scenes }) => {
  const tags = ['scenes'];

  app.get('/chapters/:chapter_id/scenes', {
    schema: {
      tags,
      summary: "List a chapter's scenes",
      params: ChapterParams,
      querystring: SceneListQuery,
      response: { 200: Envelope(ScenePage) },
    },
    handler: async (request) => ok(await scenes.list(request.user.id, request.params.chapter_id, request.query)),
  });

  app.post('/chapters/:chapter_id/scenes', {
    schema: {
      tags,
      summary: 'Create a scene (appended, or inserted at `order`)',
      params: ChapterParams,
      body: SceneCreate,
      response: { 201: Envelope(Scene) },
    },
    handler: async (request, reply) => {
      const scene = await scenes.create(request.user.id, request.params.chapter_id, request.body);
      return created(reply, `/api/v1/scenes/${scene.id}`, scene);
    },
  });

  app.get('/scenes/:scene_id', {
    schema: { tags, summary: 'Get a scene', params: Params, response: { 200: Envelope(Scene) } },
    handler: async (request) => ok(await scenes.get(request.user.id, request.params.scene_id)),
  });

  app.put('/scenes/:scene_id', {
    schema: {
      tags,
      summary: 'Update a scene (partial; optional version check; `order` moves it within its chapter)',
      params: Params,
      body: SceneUpdate,
      response: { 200: Envelope(Scene) },
    },
    handler: async (request) => ok(await scenes.update(request.user.id, request.params.scene_id, request.body)),
  });

  app.delete('/scenes/:scene_id', {
    schema: {
      tags,
      summary: 'Delete a scene with its panels and instructions',
      params: Params,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await scenes.remove(request.user.id, request.params.scene_id);
      return ok({ id: request.params.scene_id, deleted: true as const });
    },
  });
};
