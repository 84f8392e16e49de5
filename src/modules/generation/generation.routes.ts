import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { ok } from '../../http/envelope.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { accepted } from './job-reply.js';
import type { GenerationService } from './generation.service.js';
import { Job } from './jobs.schemas.js';
import {
  BackgroundBody,
  CharacterDesignBody,
  GenerateImageBody,
  GenerateOptions,
  GenerationHistoryQuery,
  JobPage,
  PanelSequenceBody,
  StyleTransferBody,
  VariationsBody,
} from './generation.schemas.js';

const Accepted = { 202: Envelope(Job) };

export const generationRoutes: FastifyPluginAsyncTypebox<{ generation: GenerationService }> = async (app, { generation }) => {
  const tags = ['generation'];
  const limited = { preHandler: app.generationRateLimit };
  // Every field is optional, so a POST without a body means "the defaults".
  const optionalBody = {
    ...limited,
    preValidation: missingBodyAsEmpty,
  };
  const queued = (reply: FastifyReply, job: JobDoc) => accepted(reply, `/api/v1/generate/status/${job.id}`, job);

  app.post('/generate/image', {
    ...limited,
    schema: { tags, summary: 'Generate images from a prompt (optionally as a draft for a target)', body: GenerateImageBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.image(request.user.id, request.body)),
  });

  app.post('/generate/panel-sequence', {
    ...limited,
    schema: { tags, summary: 'Generate an image draft for every panel of a scene, in order', body: PanelSequenceBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.panelSequence(request.user.id, request.body)),
  });

  app.post('/generate/character-design', {
    ...limited,
    schema: { tags, summary: 'Generate character design images (a draft for the character)', body: CharacterDesignBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.characterDesign(request.user.id, request.body)),
  });

  app.post('/generate/background', {
    ...limited,
    schema: { tags, summary: 'Generate a background for a location, or from a prompt', body: BackgroundBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.background(request.user.id, request.body)),
  });

  app.get('/generate/status/:generation_id', {
    schema: { tags, summary: 'Status, progress and result of a generation', params: IdParams('generation_id'), response: { 200: Envelope(Job) } },
    handler: async (request) => ok(await generation.status(request.user.id, request.params.generation_id)),
  });

  app.post('/generate/cancel/:generation_id', {
    schema: {
      tags,
      summary: 'Cancel a queued or running generation (409 when it already finished)',
      params: IdParams('generation_id'),
      response: { 200: Envelope(Job) },
    },
    handler: async (request) => ok(await generation.cancel(request.user.id, request.params.generation_id)),
  });

  app.get('/generate/history', {
    schema: { tags, summary: 'Your generations, newest first', querystring: GenerationHistoryQuery, response: { 200: Envelope(JobPage) } },
    handler: async (request) => ok(await generation.history(request.user.id, request.query)),
  });

  app.post('/chapters/:chapter_id/generate-cover', {
    ...optionalBody,
    schema: { tags: [...tags, 'chapters'], summary: 'Generate a cover draft for a chapter', params: IdParams('chapter_id'), body: GenerateOptions, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.chapterCover(request.user.id, request.params.chapter_id, request.body)),
  });

  app.post('/characters/:character_id/generate-sheet', {
    ...optionalBody,
    schema: {
      tags: [...tags, 'characters'],
      summary: 'Generate a character sheet draft (front, side and back views)',
      params: IdParams('character_id'),
      body: GenerateOptions,
      response: Accepted,
    },
    handler: async (request, reply) => queued(reply, await generation.characterSheet(request.user.id, request.params.character_id, request.body)),
  });

  app.post('/panels/:panel_id/generate-image', {
    ...optionalBody,
    schema: { tags: [...tags, 'panels'], summary: 'Generate an image draft for a panel', params: IdParams('panel_id'), body: GenerateOptions, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.panelImage(request.user.id, request.params.panel_id, request.body)),
  });

  app.post('/images/:image_id/variations', {
    ...optionalBody,
    schema: { tags: [...tags, 'images'], summary: 'Generate variations of an image (img2img)', params: IdParams('image_id'), body: VariationsBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await generation.variations(request.user.id, request.params.image_id, request.body)),
  });

  app.post('/images/:image_id/style-transfer', {
    ...optionalBody,
    schema: {
      tags: [...tags, 'images'],
      summary: 'Re-render an image in a style or the project style guide (img2img)',
      params: IdParams('image_id'),
      body: StyleTransferBody,
      response: Accepted,
    },
    handler: async (request, reply) => queued(reply, await generation.styleTransfer(request.user.id, request.params.image_id, request.body)),
  });
};
