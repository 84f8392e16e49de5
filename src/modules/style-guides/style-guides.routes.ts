import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Envelope, IdParams } from '../../http/schemas.js';
import { ok } from '../../http/envelope.js';
import type { StyleGuidesService } from './style-guides.service.js';
import { StyleGuideResource, StyleGuideUpdate } from './style-guides.schemas.js';

const Params = IdParams('project_id');

export const styleGuidesRoutes: FastifyPluginAsyncTypebox<{ styleGuides: StyleGuidesService }> = async (app, { styleGuides }) => {
  const tags = ['style-guides'];

  app.get('/projects/:project_id/style-guide', {
    schema: { tags, summary: "Get a project's style guide", params: Params, response: { 200: Envelope(StyleGuideResource) } },
    handler: async (request) => ok(await styleGuides.get(request.user.id, request.params.project_id)),
  });

  app.put('/projects/:project_id/style-guide', {
    schema: {
      tags,
      summary: "Update a project's style guide (partial; optional version check)",
      params: Params,
      body: StyleGuideUpdate,
      response: { 200: Envelope(StyleGuideResource) },
    },
    handler: async (request) => ok(await styleGuides.update(request.user.id, request.params.project_id, request.body)),
  });
};
