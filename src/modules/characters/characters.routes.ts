import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { CharactersService } from './characters.service.js';
import { Appearances, Character, CharacterCreate, CharacterListQuery, CharacterPage, CharacterUpdate } from './characters.schemas.js';

const ProjectParams = IdParams('project_id');
const Params = IdParams('character_id');

export const charactersRoutes: FastifyPluginAsyncTypebox<{ characters: CharactersService }> = async (app, { characters }) => {
  const tags = ['characters'];

  app.get('/projects/:project_id/characters', {
    schema: { tags, summary: "List a project's characters", params: ProjectParams, querystring: CharacterListQuery, response: { 200: Envelope(CharacterPage) } },
    handler: async (request) => ok(await characters.list(request.user.id, request.params.project_id, request.query)),
  });

  app.post('/projects/:project_id/characters', {
    schema: { tags, summary: 'Create a character', params: ProjectParams, body: CharacterCreate, response: { 201: Envelope(Character) } },
    handler: async (request, reply) => {
      const character = await characters.create(request.user.id, request.params.project_id, request.body);
      return created(reply, `/api/v1/characters/${character.id}`, character);
    },
  });

  app.get('/characters/:character_id', {
    schema: { tags, summary: 'Get a character', params: Params, response: { 200: Envelope(Character) } },
    handler: async (request) => ok(await characters.get(request.user.id, request.params.character_id)),
  });

  app.put('/characters/:character_id', {
    schema: { tags, summary: 'Update a character (partial; optional version check)', params: Params, body: CharacterUpdate, response: { 200: Envelope(Character) } },
    handler: async (request) => ok(await characters.update(request.user.id, request.params.character_id, request.body)),
  });

  app.delete('/characters/:character_id', {
    schema: {
      tags,
      summary: 'Delete a character and detach it from scenes, panels and dialogue',
      params: Params,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await characters.remove(request.user.id, request.params.character_id);
      return ok({ id: request.params.character_id, deleted: true as const });
    },
  });

  app.get('/characters/:character_id/appearances', {
    schema: {
      tags,
      summary: 'Scenes and panels that include the character (listed or speaking), in story order',
      params: Params,
      response: { 200: Envelope(Appearances) },
    },
    handler: async (request) => ok(await characters.appearances(request.user.id, request.params.character_id)),
  });
};
