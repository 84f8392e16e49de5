import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { ok } from '../../http/envelope.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { Job } from '../generation/jobs.schemas.js';
import { accepted } from '../generation/job-reply.js';
import type { ConsistencyService } from './consistency.service.js';
import type { WorkflowsService } from './workflows.service.js';
import {
  AutoPanelBody,
  BreakdownBody,
  ConsistencyBody,
  ConsistencyReport,
  GenerateChapterBody,
  StoryboardBody,
  StyleApplyBody,
  SuggestionList,
  SuggestionsQuery,
} from './workflows.schemas.js';

const Accepted = { 202: Envelope(Job) };

/** 202 with the job; Location points at the status endpoint of its kind. */
const queued = (reply: FastifyReply, job: JobDoc) =>
  accepted(reply, job.kind === 'generation' ? `/api/v1/generate/status/${job.id}` : `/api/v1/tasks/${job.id}/status`, job);

export const workflowsRoutes: FastifyPluginAsyncTypebox<{ workflows: WorkflowsService; consistency: ConsistencyService }> = async (app, { workflows, consistency }) => {
  const tags = ['workflows'];
  const limited = { preHandler: app.generationRateLimit };
  // Every field is optional, so a POST without a body means "the defaults".
  const optionalBody = {
    ...limited,
    preValidation: missingBodyAsEmpty,
  };

  app.post('/scenes/:scene_id/breakdown', {
    ...optionalBody,
    schema: {
      tags: [...tags, 'scenes'],
      summary: 'Propose panels for a scene (a text draft whose variants are { panels: [...] }; select one to create them)',
      params: IdParams('scene_id'),
      body: BreakdownBody,
      response: Accepted,
    },
    handler: async (request, reply) => queued(reply, await workflows.breakdown(request.user.id, request.params.scene_id, request.body)),
  });

  app.post('/workflow/auto-panel', {
    ...limited,
    schema: { tags, summary: 'Breakdown plus a visual prompt per proposed panel; with apply the first variant is selected at once', body: AutoPanelBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await workflows.autoPanel(request.user.id, request.body)),
  });

  app.post('/workflow/storyboard', {
    ...limited,
    schema: { tags, summary: 'A visual prompt and an image draft for every panel of a scene or chapter (one generation job)', body: StoryboardBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await workflows.storyboard(request.user.id, request.body)),
  });

  app.post('/workflow/generate-chapter', {
    ...limited,
    schema: { tags, summary: "Propose a chapter's scenes with their panels (a text draft; select it to create them)", body: GenerateChapterBody, response: Accepted },
    handler: async (request, reply) => queued(reply, await workflows.generateChapter(request.user.id, request.body)),
  });

  app.post('/workflow/consistency-check', {
    // Only the deep check calls a model; a rules-only check counts against the default limit.
    preHandler: async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
      if ((request.body as { deep?: boolean } | undefined)?.deep) await app.generationRateLimit.call(app, request, reply);
    },
    schema: {
      tags,
      summary: 'Consistency issues of a project or part of it: 200 with the report, or 202 with a task (deep checks, projects over 2000 panels)',
      body: ConsistencyBody,
      response: { 200: Envelope(ConsistencyReport), ...Accepted },
    },
    handler: async (request, reply) => {
      const outcome = await consistency.check(request.user.id, request.body);
      if ('job' in outcome) return queued(reply, outcome.job);
      return ok(outcome.report);
    },
  });

  app.get('/workflow/suggestions', {
    schema: { tags, summary: 'Next steps for a project, each with the request that does it', querystring: SuggestionsQuery, response: { 200: Envelope(SuggestionList) } },
    handler: async (request) => ok(await consistency.suggestions(request.user.id, request.query.project_id, request.query.limit)),
  });

  app.post('/projects/:project_id/style-guide/apply', {
    ...optionalBody,
    schema: {
      tags: [...tags, 'style-guides'],
      summary: 'Rewrite the visual prompts of the panels in scope with the current style guide (drafts, or applied with apply), optionally with new image drafts',
      params: IdParams('project_id'),
      body: StyleApplyBody,
      response: Accepted,
    },
    handler: async (request, reply) => queued(reply, await workflows.styleGuideApply(request.user.id, request.params.project_id, request.body)),
  });
};
