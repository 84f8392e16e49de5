import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { ProjectsService } from './projects.service.js';
import { Project, ProjectCreate, ProjectListQuery, ProjectPage, ProjectUpdate } from './projects.schemas.js';

const Params = IdParams('project_id');

export const projectsRoutes: FastifyPluginAsyncTypebox<{ projects: ProjectsService }> = async (app, { projects }) => {
  const tags = ['projects'];

  app.get('/projects', {
    schema: { tags, summary: 'List your projects', querystring: ProjectListQuery, response: { 200: Envelope(ProjectPage) } },
    handler: async (request) => ok(await projects.list(request.user.id, request.query)),
  });

  app.post('/projects', {
    schema: { tags, summary: 'Create a project', body: ProjectCreate, response: { 201: Envelope(Project) } },
    handler: async (request, reply) => {
      const project = await projects.create(request.user.id, request.body);
      return created(reply, `/api/v1/projects/${project.id}`, project);
    },
  });

  app.get('/projects/:project_id', {
    schema: { tags, summary: 'Get a project', params: Params, response: { 200: Envelope(Project) } },
    handler: async (request) => ok(await projects.get(request.user.id, request.params.project_id)),
  });

  app.put('/projects/:project_id', {
    schema: {
      tags,
      summary: 'Update a project (partial; optional version check)',
      params: Params,
      body: ProjectUpdate,
      response: { 200: Envelope(Project) },
    },
    handler: async (request) => ok(await projects.update(request.user.id, request.params.project_id, request.body)),
  });

  app.delete('/projects/:project_id', {
    schema: { tags, summary: 'Delete a project and everything in it', params: Params, response: { 200: Envelope(Deleted) } },
    handler: async (request) => {
      await projects.remove(request.user.id, request.params.project_id);
      return ok({ id: request.params.project_id, deleted: true as const });
    },
  });
};
