import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Envelope, ErrorEnvelope, IdParams } from '../../http/schemas.js';
import { ok } from '../../http/envelope.js';
import { Job } from '../generation/jobs.schemas.js';
import { accepted } from '../generation/job-reply.js';
import type { TasksService } from './tasks.service.js';
import { TaskExecuteBody, TaskResult, TaskTypeList } from './tasks.schemas.js';

const Params = IdParams('task_id');

export const tasksRoutes: FastifyPluginAsyncTypebox<{ tasks: TasksService }> = async (app, { tasks }) => {
  const tags = ['tasks'];

  app.get('/tasks/types', {
    schema: { tags, summary: 'The text task types, with what each accepts as target', response: { 200: Envelope(TaskTypeList) } },
    handler: async () => ok(tasks.types()),
  });

  app.post('/tasks/execute', {
    preHandler: app.generationRateLimit,
    schema: { tags, summary: 'Run a text task on a target (its answer becomes a text draft)', body: TaskExecuteBody, response: { 202: Envelope(Job) } },
    handler: async (request, reply) => {
      const job = await tasks.execute(request.user.id, request.body);
      return accepted(reply, `/api/v1/tasks/${job.id}/status`, job);
    },
  });

  app.get('/tasks/:task_id/status', {
    schema: { tags, summary: 'Status and progress of a task', params: Params, response: { 200: Envelope(Job) } },
    handler: async (request) => ok(await tasks.status(request.user.id, request.params.task_id)),
  });

  app.post('/tasks/:task_id/cancel', {
    schema: { tags, summary: 'Cancel a queued or running task (409 when it already finished)', params: Params, response: { 200: Envelope(Job) } },
    handler: async (request) => ok(await tasks.cancel(request.user.id, request.params.task_id)),
  });

  app.get('/tasks/:task_id/result', {
    schema: {
      tags,
      summary: 'The outcome of a finished task (409 while it is queued or running)',
      params: Params,
      response: { 200: Envelope(TaskResult), 409: { ...ErrorEnvelope, description: 'The task is still queued or running' } },
    },
    handler: async (request) => ok(await tasks.result(request.user.id, request.params.task_id)),
  });
};
