import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import { Job } from '../generation/jobs.schemas.js';
import { accepted } from '../generation/job-reply.js';
import type { DraftsService } from './drafts.service.js';
import {
  BulkActionBody,
  BulkResult,
  Draft,
  DraftFeedback,
  DraftListQuery,
  DraftPage,
  FeedbackBody,
  PendingDraftQuery,
  RejectBody,
  ReviseBody,
  SelectBody,
} from './drafts.schemas.js';

const Params = IdParams('draft_id');

export const draftsRoutes: FastifyPluginAsyncTypebox<{ drafts: DraftsService }> = async (app, { drafts }) => {
  const tags = ['drafts'];
  // reject's only field is optional, so a POST without a body means "no reason".
  const optionalBody = {
    preValidation: missingBodyAsEmpty,
  };

  app.get('/drafts', {
    schema: { tags, summary: 'List your drafts (newest first; filter by project, status, kind, target)', querystring: DraftListQuery, response: { 200: Envelope(DraftPage) } },
    handler: async (request) => ok(await drafts.list(request.user.id, request.query)),
  });

  app.get('/drafts/pending', {
    schema: { tags, summary: 'List your drafts waiting for review', querystring: PendingDraftQuery, response: { 200: Envelope(DraftPage) } },
    handler: async (request) => ok(await drafts.pending(request.user.id, request.query)),
  });

  app.post('/drafts/bulk-action', {
    schema: {
      tags,
      summary: 'Select or reject up to 100 drafts; one result per draft, a failure does not stop the others',
      body: BulkActionBody,
      response: { 200: Envelope(BulkResult) },
    },
    handler: async (request) => ok(await drafts.bulk(request.user.id, request.body)),
  });

  app.get('/drafts/:draft_id', {
    schema: { tags, summary: 'Get a draft with its variants and feedback', params: Params, response: { 200: Envelope(Draft) } },
    handler: async (request) => ok(await drafts.get(request.user.id, request.params.draft_id)),
  });

  app.post('/drafts/:draft_id/select', {
    schema: {
      tags,
      summary: 'Apply a variant to the draft target (one transaction) and mark the draft selected; 409 unless pending',
      params: Params,
      body: SelectBody,
      response: { 200: Envelope(Draft) },
    },
    handler: async (request) => ok(await drafts.select(request.user.id, request.params.draft_id, request.body.variant_id)),
  });

  app.post('/drafts/:draft_id/reject', {
    ...optionalBody,
    schema: { tags, summary: 'Reject a pending draft (the story does not change)', params: Params, body: RejectBody, response: { 200: Envelope(Draft) } },
    handler: async (request) => ok(await drafts.reject(request.user.id, request.params.draft_id, request.body.reason)),
  });

  app.post('/drafts/:draft_id/revise', {
    preHandler: app.generationRateLimit,
    schema: {
      tags,
      summary: 'Regenerate a pending draft with instructions (202 job); the draft becomes revising, the new one has revision_of',
      params: Params,
      body: ReviseBody,
      response: { 202: Envelope(Job) },
    },
    handler: async (request, reply) => {
      const job = await drafts.revise(request.user.id, request.params.draft_id, request.body.instructions);
      const status = job.kind === 'task' ? `/api/v1/tasks/${job.id}/status` : `/api/v1/generate/status/${job.id}`;
      return accepted(reply, status, job);
    },
  });

  app.post('/drafts/:draft_id/feedback', {
    schema: { tags, summary: 'Rate a draft or one of its variants (1..5, optional comment)', params: Params, body: FeedbackBody, response: { 201: Envelope(DraftFeedback) } },
    handler: async (request, reply) => {
      const entry = await drafts.feedback(request.user.id, request.params.draft_id, request.body);
      return created(reply, `/api/v1/drafts/${request.params.draft_id}`, entry);
    },
  });

  app.delete('/drafts/:draft_id', {
    schema: { tags, summary: "Delete a draft and the images of its variants that nothing else uses", params: Params, response: { 200: Envelope(Deleted) } },
    handler: async (request) => {
      await drafts.remove(request.user.id, request.params.draft_id);
      return ok({ id: request.params.draft_id, deleted: true as const });
    },
  });
};
