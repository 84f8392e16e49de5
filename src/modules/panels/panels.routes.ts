import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { PanelsService } from './panels.service.js';
import {
  DialogueReplace,
  MergeBody,
  Panel,
  PanelCreate,
  PanelList,
  PanelListQuery,
  PanelPage,
  PanelUpdate,
  ReorderPanelsBody,
  SplitBody,
  SplitResult,
} from './panels.schemas.js';

const SceneParams = IdParams('scene_id');
const PanelParams = IdParams('panel_id');

export const panelsRoutes: FastifyPluginAsyncTypebox<{ panels: PanelsService }> = async (app, { panels }) => {
  const tags = ['panels'];

  app.get('/scenes/:scene_id/panels', {
    schema: {
      tags,
      summary: "List a scene's panels (sort: order (default), created_at)",
      params: SceneParams,
      querystring: PanelListQuery,
      response: { 200: Envelope(PanelPage) },
    },
    handler: async (request) => ok(await panels.list(request.user.id, request.params.scene_id, request.query)),
  });

  app.post('/scenes/:scene_id/panels', {
    schema: {
      tags,
      summary: 'Create a panel (appended, or inserted at `order`)',
      params: SceneParams,
      body: PanelCreate,
      response: { 201: Envelope(Panel) },
    },
    handler: async (request, reply) => {
      const panel = await panels.create(request.user.id, request.params.scene_id, request.body);
      return created(reply, `/api/v1/panels/${panel.id}`, panel);
    },
  });

  app.post('/scenes/:scene_id/reorder-panels', {
    schema: {
      tags,
      summary: "Reorder a scene's panels (panel_ids must list each of its panels exactly once)",
      params: SceneParams,
      body: ReorderPanelsBody,
      response: { 200: Envelope(PanelList) },
    },
    handler: async (request) => ok(await panels.reorder(request.user.id, request.params.scene_id, request.body.panel_ids)),
  });

  app.get('/panels/:panel_id', {
    schema: { tags, summary: 'Get a panel', params: PanelParams, response: { 200: Envelope(Panel) } },
    handler: async (request) => ok(await panels.get(request.user.id, request.params.panel_id)),
  });

  app.put('/panels/:panel_id', {
    schema: {
      tags,
      summary: 'Update a panel (partial; optional version check)',
      params: PanelParams,
      body: PanelUpdate,
      response: { 200: Envelope(Panel) },
    },
    handler: async (request) => ok(await panels.update(request.user.id, request.params.panel_id, request.body)),
  });

  app.delete('/panels/:panel_id', {
    schema: {
      tags,
      summary: 'Delete a panel and its instructions (later panels move up)',
      params: PanelParams,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await panels.remove(request.user.id, request.params.panel_id);
      return ok({ id: request.params.panel_id, deleted: true as const });
    },
  });

  app.post('/panels/:panel_id/split', {
    schema: {
      tags,
      summary: 'Split a panel: bubbles from dialogue_index on move to a new panel right after it',
      params: PanelParams,
      body: SplitBody,
      response: { 200: Envelope(SplitResult) },
    },
    // Every field is optional, so a POST without a body means "split at the default index".
    preValidation: missingBodyAsEmpty,
    handler: async (request) => ok(await panels.split(request.user.id, request.params.panel_id, request.body.dialogue_index)),
  });

  app.post('/panels/:panel_id/merge', {
    schema: {
      tags,
      summary: 'Merge another panel of the same scene into this one (the other is deleted)',
      params: PanelParams,
      body: MergeBody,
      response: { 200: Envelope(Panel) },
    },
    handler: async (request) => ok(await panels.merge(request.user.id, request.params.panel_id, request.body.panel_id)),
  });

  app.put('/panels/:panel_id/dialogue', {
    schema: {
      tags,
      summary: "Replace a panel's dialogue bubbles (optional version check)",
      params: PanelParams,
      body: DialogueReplace,
      response: { 200: Envelope(Panel) },
    },
    handler: async (request) => ok(await panels.replaceDialogue(request.user.id, request.params.panel_id, request.body)),
  });
};
