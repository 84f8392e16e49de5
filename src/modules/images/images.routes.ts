import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { Deleted, Envelope, IdParams } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import { bearerToken } from '../../http/auth.js';
import { AuthenticationError } from '../../errors.js';
import type { AuthService } from '../auth/auth.service.js';
import type { ImagesService } from './images.service.js';
import type { ImageLinksService } from './image-links.service.js';
import type { ImageLinkVariant } from './url-signer.js';
import { Image, SignedQuery, UploadForm } from './images.schemas.js';
import { sendImageBytes, signedBytesResponses, signedThumbnailResponses } from './image-reply.js';
import { readUpload, UPLOAD_LIMITS } from './upload-form.js';
import { imageLinksRoutes } from './image-links.routes.js';

const Params = IdParams('image_id');

export interface ImagesRoutesOptions {
  images: ImagesService;
  imageLinks: ImageLinksService;
  auth: Pick<AuthService, 'authenticate'>;
}

export const imagesRoutes: FastifyPluginAsyncTypebox<ImagesRoutesOptions> = async (app, { images, imageLinks, auth }) => {
  const tags = ['images'];
  // Scoped to this plugin: no other route accepts multipart bodies.
  await app.register(multipart, { limits: { ...UPLOAD_LIMITS, fileSize: images.maxUploadBytes }, throwFileSizeLimit: true });

  /**
   * The byte routes are public so that signed links work without a token; a bearer token,
   * when sent, is still honoured (an invalid one is ignored, the link may be valid).
   */
  const optionalBearer = async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token) return;
    try {
      request.user = await auth.authenticate(token);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
    }
  };

  app.post('/images/upload', {
    schema: {
      tags,
      summary: 'Upload an image (multipart: project_id, optional panel_id, then the file part `file`)',
      description:
        'JPEG, PNG or WebP by content (name and Content-Type are ignored), at most MAX_UPLOAD_BYTES (413) and MAX_IMAGE_PIXELS (422). ' +
        'Other formats are a 415, corrupt or truncated files a 422. With panel_id the panel shows the new image. Identical bytes are stored once.',
      consumes: ['multipart/form-data'],
      // Documents the form; the fields are read and checked while streaming (upload-form.ts).
      body: UploadForm,
      response: { 201: Envelope(Image) },
    },
    validatorCompiler: () => () => true,
    handler: async (request, reply) => {
      const image = await readUpload(request, images.maxUploadBytes, (target, file) => images.upload(request.user.id, target, file));
      return created(reply, `/api/v1/images/${image.id}`, image);
    },
  });

  const bytesRoute = (variant: ImageLinkVariant, url: string, summary: string) =>
    app.get(url, {
      config: { public: true },
      onRequest: optionalBearer,
      schema: { tags, summary, description: 'Needs a bearer token or the signed link from `url` / `thumbnail_url`.', params: Params, querystring: SignedQuery, response: variant === 'original' ? signedBytesResponses : signedThumbnailResponses },
      handler: async (request, reply) => {
        const viewer = { userId: request.user?.id, exp: request.query.exp, sig: request.query.sig };
        return sendImageBytes(request, reply, await images.bytes(viewer, request.params.image_id, variant));
      },
    });
  bytesRoute('original', '/images/:image_id', 'Image bytes (ETag, If-None-Match)');
  bytesRoute('thumbnail', '/images/:image_id/thumbnail', 'WebP thumbnail, longest side 512 px, no metadata');

  app.get('/images/:image_id/metadata', {
    schema: { tags, summary: 'The image record: size, format, dimensions, metadata and fresh signed links', params: Params, response: { 200: Envelope(Image) } },
    handler: async (request) => ok(await images.get(request.user.id, request.params.image_id)),
  });

  app.delete('/images/:image_id', {
    schema: {
      tags,
      summary: 'Delete an image; panels, covers, designs and references lose it; the file goes when nothing else uses the bytes',
      params: Params,
      response: { 200: Envelope(Deleted) },
    },
    handler: async (request) => {
      await images.remove(request.user.id, request.params.image_id);
      return ok({ id: request.params.image_id, deleted: true as const });
    },
  });

  await app.register(imageLinksRoutes, { imageLinks });
};
