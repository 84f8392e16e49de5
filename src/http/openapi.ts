/**
 * OpenAPI 3 generated from the route schemas, served at /api/v1/openapi.json, with
 * Swagger UI at /docs (both off with DOCS_ENABLED=false; the schemas still shape responses).
 * Every route also gets the error envelope for its error statuses and, unless public, the
 * bearer security requirement, so the document matches the server.
 */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ErrorEnvelope } from './schemas.js';

const ERROR_STATUSES: Record<number, string> = {
  400: 'Malformed request (e.g. body is not valid JSON)',
  401: 'Missing, invalid, expired or revoked token',
  404: 'No such resource (or it belongs to another user)',
  409: 'Stale version or conflicting state',
  413: 'Request body over its limit',
  415: 'Request body of an unsupported content type',
  422: 'Validation failed',
  429: 'Rate limit hit; see Retry-After',
  500: 'Internal server error',
};

/** Statuses only a request that may carry a body can get. */
const BODY_STATUSES = new Set(['409', '413', '415']);

type RouteSchema = { querystring?: { properties?: Record<string, { default?: unknown }>; required?: string[] } } & Record<string, unknown>;

/**
 * A query parameter with a default (skip, limit, sort) is required only for validation, which
 * fills it in; in the document it is optional, or clients would have to send it.
 */
function withOptionalDefaults(schema: unknown): RouteSchema {
  const route = schema as RouteSchema;
  const query = route?.querystring;
  if (!query?.properties || !query.required) return route;
  const required = query.required.filter((name) => query.properties![name]?.default === undefined);
  return { ...route, querystring: { ...query, required } };
}

export const TAGS = [
  { name: 'auth', description: 'Accounts and tokens' },
  { name: 'projects', description: 'Projects, stats, export, duplicate' },
  { name: 'style-guides', description: "A project's visual style guide" },
  { name: 'chapters', description: 'Chapters of a project' },
  { name: 'scenes', description: 'Scenes of a chapter' },
  { name: 'panels', description: 'Panels of a scene and their dialogue' },
  { name: 'characters', description: 'Characters of a project' },
  { name: 'locations', description: 'Locations of a project' },
  { name: 'instructions', description: 'Instructions that every AI prompt for a target includes' },
  { name: 'images', description: 'Uploaded and generated images' },
  { name: 'generation', description: 'Image generation jobs' },
  { name: 'tasks', description: 'Text generation (LLM) tasks' },
  { name: 'drafts', description: 'AI drafts awaiting review' },
  { name: 'workflows', description: 'Multi-step AI workflows' },
  { name: 'realtime', description: 'WebSocket updates' },
  { name: 'health', description: 'Liveness and readiness' },
];

export const openApiPlugin = fp<{ tags?: { name: string; description: string }[]; docsEnabled?: boolean }>(
  async (app, options) => {
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/api/') || route.schema?.hide) return;
      const schema = (route.schema ??= {});
      const response = (schema.response ??= {}) as Record<string, unknown>;
      for (const [status, description] of Object.entries(ERROR_STATUSES)) {
        if (status === '401' && route.config?.public) continue;
        // HEAD routes share their GET route's schema object, so neither may get a 409 or a body status.
        if (BODY_STATUSES.has(status) && (route.method === 'GET' || route.method === 'HEAD')) continue;
        response[status] ??= { ...ErrorEnvelope, description };
      }
      if (!route.config?.public) (schema as Record<string, unknown>).security ??= [{ bearerAuth: [] }];
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Inkframe API',
          version: '1.0.0',
          description: 'Back end for making graphic novels with AI help. Every response uses the success/error envelope.',
        },
        servers: [{ url: '/' }],
        tags: options.tags ?? TAGS,
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      transform: ({ schema, url }) => ({ schema: withOptionalDefaults(schema), url }),
    });
    if (options.docsEnabled === false) return;
    await app.register(swaggerUi, { routePrefix: '/docs' });

    app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'inkframe-openapi' },
);
