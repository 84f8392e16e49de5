import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { LocationsService } from './locations.service.js';
import { Location, LocationCreate, LocationListQuery, LocationPage, LocationUpdate, LocationUsage } from './locations.schemas.js';

const ProjectParams = IdParams('project_id');
const Params = IdParams('location_id');

export const locationsRoutes: FastifyPluginAsyncTypebox<{ locations: LocationsService }> = async (app, { locations }) => {
  const tags = ['locations'];

  app.get('/projects/:project_id/locations', {
    schema: { tags, summary: "List a project's locations", params: ProjectParams, querystring: LocationListQuery, response: { 200: Envelope(LocationPage) } },
    handler: async (request) => ok(await locations.list(request.user.id, request.params.project_id, request.query)),
  });

  app.post('/projects/:project_id/locations', {
    schema: { tags, summary: 'Create a location', params: ProjectParams, body: LocationCreate, response: { 201: Envelope(Location) } },
    handler: async (request, reply) => {
      const location = await locations.create(request.user.id, request.params.project_id, request.body);
      return created(reply, `/api/v1/locations/${location.id}`, location);
    },
  });

  app.get('/locations/:location_id', {
    schema: { tags, summary: 'Get a location', params: Params, response: { 200: Envelope(Location) } },
    handler: async (request) => ok(await locations.get(request.user.id, request.params.location_id)),
  });

  app.put('/locations/:location_id', {
    schema: { tags, summary: 'Update a location (partial; optional version check)', params: Params, body: LocationUpdate, response: { 200: Envelope(Location) } },
    handler: async (request) => ok(await locations.update(request.user.id, request.params.location_id, request.body)),
  });

  app.delete('/locations/:location_id', {
    schema: {
      tags,
      summary: 'Delete a location and clear it on the scenes and panels set there',
      params: Params,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await locations.remove(request.user.id, request.params.location_id);
      return ok({ id: request.params.location_id, deleted: true as const });
    },
  });

  app.get('/locations/:location_id/usage', {
    schema: {
      tags,
      summary: 'Scenes and panels set at the location, in story order',
      params: Params,
      response: { 200: Envelope(LocationUsage) },
    },
    handler: async (request) => ok(await locations.usage(request.user.id, request.params.location_id)),
  });
};
