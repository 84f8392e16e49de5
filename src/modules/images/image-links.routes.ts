/**
 * Routes that reach images through the documents using them. They live with the images
 * module so the chapters/panels/characters/locations modules stay free of image handling.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Envelope, IdParams } from '../../http/schemas.js';
import { created } from '../../http/envelope.js';
import { Character } from '../characters/characters.schemas.js';
import { Location } from '../locations/locations.schemas.js';
import { AddImage } from './images.schemas.js';
import type { ImageLinksService } from './image-links.service.js';
import { imageBytesResponses, sendImageBytes } from './image-reply.js';

export const imageLinksRoutes: FastifyPluginAsyncTypebox<{ imageLinks: ImageLinksService }> = async (app, { imageLinks }) => {
  app.get('/chapters/:chapter_id/cover', {
    schema: { tags: ['chapters'], summary: "The chapter's cover image bytes (404 when it has none)", params: IdParams('chapter_id'), response: imageBytesResponses },
    handler: async (request, reply) => sendImageBytes(request, reply, await imageLinks.chapterCover(request.user.id, request.params.chapter_id)),
  });

  app.get('/panels/:panel_id/image', {
    schema: { tags: ['panels'], summary: "The panel's image bytes (404 when it has none)", params: IdParams('panel_id'), response: imageBytesResponses },
    handler: async (request, reply) => sendImageBytes(request, reply, await imageLinks.panelImage(request.user.id, request.params.panel_id)),
  });

  app.post('/characters/:character_id/designs', {
    schema: {
      tags: ['characters'],
      summary: 'Add a design image (an image of the same project) to the character',
      params: IdParams('character_id'),
      body: AddImage,
      response: { 201: Envelope(Character) },
    },
    handler: async (request, reply) => {
      const { character_id } = request.params;
      const character = await imageLinks.addCharacterDesign<Character>(request.user.id, character_id, request.body);
      return created(reply, `/api/v1/characters/${character_id}`, character);
    },
  });

  app.post('/locations/:location_id/references', {
    schema: {
      tags: ['locations'],
      summary: 'Add a reference image (an image of the same project) to the location',
      params: IdParams('location_id'),
      body: AddImage,
      response: { 201: Envelope(Location) },
    },
    handler: async (request, reply) => {
      const { location_id } = request.params;
      const location = await imageLinks.addLocationReference<Location>(request.user.id, location_id, request.body);
      return created(reply, `/api/v1/locations/${location_id}`, location);
    },
  });
};
