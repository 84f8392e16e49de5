import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { ChaptersService } from './chapters.service.js';
import { Chapter, ChapterCreate, ChapterListQuery, ChapterPage, ChapterReorder, ChapterUpdate } from './chapters.schemas.js';

const ProjectParams = IdParams('project_id');
const Params = IdParams('chapter_id');

export const chaptersRoutes: FastifyPluginAsyncTypebox<{ chapters: ChaptersService }> = async (app, { chapters }) => {
  const tags = ['chapters'];

  app.get('/projects/:project_id/chapters', {
    schema: {
      tags,
      summary: "List a project's chapters",
      params: ProjectParams,
      querystring: ChapterListQuery,
      response: { 200: Envelope(ChapterPage) },
    },
    handler: async (request) => ok(await chapters.list(request.user.id, request.params.project_id, request.query)),
  });

  app.post('/projects/:project_id/chapters', {
    schema: {
      tags,
      summary: 'Create a chapter (appended, or inserted at `order`)',
      params: ProjectParams,
      body: ChapterCreate,
      response: { 201: Envelope(Chapter) },
    },
    handler: async (request, reply) => {
      const chapter = await chapters.create(request.user.id, request.params.project_id, request.body);
      return created(reply, `/api/v1/chapters/${chapter.id}`, chapter);
    },
  });

  app.get('/chapters/:chapter_id', {
    schema: { tags, summary: 'Get a chapter', params: Params, response: { 200: Envelope(Chapter) } },
    handler: async (request) => ok(await chapters.get(request.user.id, request.params.chapter_id)),
  });

  app.put('/chapters/:chapter_id', {
    schema: {
      tags,
      summary: 'Update a chapter (partial; optional version check)',
      params: Params,
      body: ChapterUpdate,
      response: { 200: Envelope(Chapter) },
    },
    handler: async (request) => ok(await chapters.update(request.user.id, request.params.chapter_id, request.body)),
  });

  app.delete('/chapters/:chapter_id', {
    schema: {
      tags,
      summary: 'Delete a chapter with its scenes, panels and instructions',
      params: Params,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await chapters.remove(request.user.id, request.params.chapter_id);
      return ok({ id: request.params.chapter_id, deleted: true as const });
    },
  });

  app.post('/chapters/:chapter_id/reorder', {
    schema: {
      tags,
      summary: 'Move a chapter to another position in its project',
      params: Params,
      body: ChapterReorder,
      response: { 200: Envelope(Chapter) },
    },
    handler: async (request) => ok(await chapters.reorder(request.user.id, request.params.chapter_id, request.body.order)),
  });
};
