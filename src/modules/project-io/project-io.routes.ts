import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import { Project } from '../projects/projects.schemas.js';
import type { ProjectDuplicateService } from './project-duplicate.service.js';
import type { ProjectExportService } from './project-export.service.js';
import type { ProjectStatsService } from './project-stats.service.js';
import { DuplicateBody, ExportDocument, ExportQuery, ProjectStats } from './project-io.schemas.js';

const Params = IdParams('project_id');

export interface ProjectIoRoutesOptions {
  stats: ProjectStatsService;
  exporter: ProjectExportService;
  duplicator: ProjectDuplicateService;
}

export const projectIoRoutes: FastifyPluginAsyncTypebox<ProjectIoRoutesOptions> = async (app, { stats, exporter, duplicator }) => {
  const tags = ['projects'];

  app.get('/projects/:project_id/stats', {
    schema: { tags, summary: 'Counts of everything in a project', params: Params, response: { 200: Envelope(ProjectStats) } },
    handler: async (request) => ok(await stats.get(request.user.id, request.params.project_id)),
  });

  app.get('/projects/:project_id/export', {
    schema: {
      tags,
      summary: 'Download the whole project (JSON document or zip with images)',
      description:
        'A file download: the body is the raw export (the JSON document, or a zip holding project.json and images/<sha256>.<ext>), ' +
        'NOT wrapped in the success envelope, with Content-Disposition: attachment. It is streamed. Errors use the error envelope.',
      params: Params,
      querystring: ExportQuery,
      response: {
        200: {
          description: 'The export file (not enveloped)',
          content: {
            'application/json': { schema: ExportDocument },
            'application/zip': { schema: Type.String({ format: 'binary' }) },
          },
        },
      },
    },
    handler: async (request, reply) => {
      const file = await exporter.export(request.user.id, request.params.project_id, request.query.format);
      return reply
        .type(file.contentType)
        .header('Content-Disposition', `attachment; filename="${file.filename}"`)
        .header('Cache-Control', 'no-store')
        // A stream is sent as is (never serialised); the schema above only documents the file.
        .send(file.stream as never);
    },
  });

  app.post('/projects/:project_id/duplicate', {
    schema: {
      tags,
      summary: 'Deep-copy a project (new ids everywhere; images are shared)',
      params: Params,
      body: DuplicateBody,
      response: { 201: Envelope(Project) },
    },
    // The body is optional: a bare POST (no body at all) means "default title".
    preValidation: missingBodyAsEmpty,
    handler: async (request, reply) => {
      const project = await duplicator.duplicate(request.user.id, request.params.project_id, request.body);
      return created(reply, `/api/v1/projects/${project.id}`, project);
    },
  });
};
