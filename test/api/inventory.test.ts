/**
 * Inventory: the Fastify route table, the OpenAPI document and SPEC.md list the same API.
 * Every registered route (bar HEAD/OPTIONS auto-routes, /docs and the document itself) is
 * documented, every documented operation is served, and every SPEC.md endpoint exists.
 * (conventions.test.ts checks each documented operation's tags, responses and security.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/** SPEC.md's endpoint list (the WebSocket as its GET upgrade route; query strings dropped). */
const SPEC = `
GET /api/v1/projects|POST /api/v1/projects|GET /api/v1/projects/{project_id}|PUT /api/v1/projects/{project_id}
DELETE /api/v1/projects/{project_id}|GET /api/v1/projects/{project_id}/stats|GET /api/v1/projects/{project_id}/export
POST /api/v1/projects/{project_id}/duplicate|GET /api/v1/projects/{project_id}/style-guide|PUT /api/v1/projects/{project_id}/style-guide
POST /api/v1/projects/{project_id}/style-guide/apply|GET /api/v1/projects/{project_id}/chapters|POST /api/v1/projects/{project_id}/chapters
GET /api/v1/chapters/{chapter_id}|PUT /api/v1/chapters/{chapter_id}|DELETE /api/v1/chapters/{chapter_id}|POST /api/v1/chapters/{chapter_id}/reorder
GET /api/v1/chapters/{chapter_id}/cover|POST /api/v1/chapters/{chapter_id}/generate-cover|GET /api/v1/chapters/{chapter_id}/scenes
POST /api/v1/chapters/{chapter_id}/scenes|GET /api/v1/scenes/{scene_id}|PUT /api/v1/scenes/{scene_id}|DELETE /api/v1/scenes/{scene_id}
POST /api/v1/scenes/{scene_id}/breakdown|GET /api/v1/scenes/{scene_id}/panels|POST /api/v1/scenes/{scene_id}/reorder-panels
POST /api/v1/scenes/{scene_id}/panels|GET /api/v1/panels/{panel_id}|PUT /api/v1/panels/{panel_id}|DELETE /api/v1/panels/{panel_id}
POST /api/v1/panels/{panel_id}/split|POST /api/v1/panels/{panel_id}/merge|GET /api/v1/panels/{panel_id}/image
POST /api/v1/panels/{panel_id}/generate-image|PUT /api/v1/panels/{panel_id}/dialogue
GET /api/v1/images/{image_id}|POST /api/v1/images/upload|DELETE /api/v1/images/{image_id}|GET /api/v1/images/{image_id}/thumbnail
POST /api/v1/images/{image_id}/variations|POST /api/v1/images/{image_id}/style-transfer|GET /api/v1/images/{image_id}/metadata
GET /api/v1/projects/{project_id}/characters|POST /api/v1/projects/{project_id}/characters|GET /api/v1/characters/{character_id}
PUT /api/v1/characters/{character_id}|DELETE /api/v1/characters/{character_id}|POST /api/v1/characters/{character_id}/designs
GET /api/v1/characters/{character_id}/appearances|POST /api/v1/characters/{character_id}/generate-sheet
GET /api/v1/projects/{project_id}/locations|POST /api/v1/projects/{project_id}/locations|GET /api/v1/locations/{location_id}
PUT /api/v1/locations/{location_id}|DELETE /api/v1/locations/{location_id}|POST /api/v1/locations/{location_id}/references
GET /api/v1/locations/{location_id}/usage
POST /api/v1/generate/image|POST /api/v1/generate/panel-sequence|POST /api/v1/generate/character-design|POST /api/v1/generate/background
GET /api/v1/generate/status/{generation_id}|POST /api/v1/generate/cancel/{generation_id}|GET /api/v1/generate/history
POST /api/v1/tasks/execute|GET /api/v1/tasks/types|GET /api/v1/tasks/{task_id}/status|POST /api/v1/tasks/{task_id}/cancel
GET /api/v1/tasks/{task_id}/result
GET /api/v1/drafts|GET /api/v1/drafts/{draft_id}|POST /api/v1/drafts/{draft_id}/select|POST /api/v1/drafts/{draft_id}/reject
POST /api/v1/drafts/{draft_id}/revise|POST /api/v1/drafts/{draft_id}/feedback|GET /api/v1/drafts/pending|POST /api/v1/drafts/bulk-action
POST /api/v1/workflow/storyboard|POST /api/v1/workflow/generate-chapter|POST /api/v1/workflow/auto-panel
POST /api/v1/workflow/consistency-check|GET /api/v1/workflow/suggestions
GET /api/v1/projects/{project_id}/instructions|POST /api/v1/projects/{project_id}/instructions|GET /api/v1/instructions/{instruction_id}
PUT /api/v1/instructions/{instruction_id}|DELETE /api/v1/instructions/{instruction_id}|POST /api/v1/instructions/{instruction_id}/toggle
POST /api/v1/chapters/{chapter_id}/instructions|POST /api/v1/scenes/{scene_id}/instructions|POST /api/v1/panels/{panel_id}/instructions
GET /api/v1/instructions/applicable
GET /api/v1/ws/{project_id}
POST /api/v1/auth/register|POST /api/v1/auth/login|POST /api/v1/auth/logout|POST /api/v1/auth/refresh|GET /api/v1/auth/me
POST /api/v1/auth/change-password
GET /api/v1/health|GET /api/v1/health/ready|GET /api/v1/health/live
`
  .split(/[|\n]/)
  .map((line) => line.trim())
  .filter(Boolean);

/**
 * The route table, read from printRoutes({ commonPrefix: false }): one node per line, four
 * characters of indent per level, a node's full path the concatenation of its ancestors'.
 */
function routeTable(app: FastifyInstance): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    segments.length = depth;
    segments[depth] = node[2]!;
    for (const method of node[3]?.split(', ') ?? []) routes.push({ method, path: segments.join('') });
  }
  return routes;
}

const isAuxiliary = ({ method, path }: { method: string; path: string }) =>
  method === 'HEAD' || method === 'OPTIONS' || path === '/docs' || path.startsWith('/docs/') || path === '/api/v1/openapi.json';
const toOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function undocumented(app: FastifyInstance, operations: string[]): string[] {
  const registered = routeTable(app).filter((route) => !isAuxiliary(route)).map((route) => `${route.method} ${toOpenApi(route.path)}`);
  return registered.filter((operation) => !operations.includes(operation));
}

let t: TestApp;
let documented: string[];
beforeAll(async () => {
  t = await buildTestApp();
  const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
});
afterAll(async () => t.close());

describe('route inventory', () => {
  it('reads the route table faithfully', () => {
    const routes = routeTable(t.app);
    expect(routes.length).toBeGreaterThan(100);
    // hasRoute does not match wildcard routes (/docs/*, the CORS `OPTIONS *`); every other one must exist as read.
    for (const route of routes.filter(({ path }) => !path.includes('*'))) {
      expect(t.app.hasRoute({ method: route.method as HTTPMethods, url: route.path }), `${route.method} ${route.path}`).toBe(true);
    }
    expect(routes).toContainEqual({ method: 'DELETE', path: '/api/v1/drafts/:draft_id' });
    expect(routes).toContainEqual({ method: 'POST', path: '/api/v1/projects/:project_id/style-guide/apply' });
  });

  it('documents every registered route', () => {
    expect(undocumented(t.app, documented)).toEqual([]);
  });

  it('would notice an undocumented route', async () => {
    const extra = await buildTestApp({
      configure: (app) => {
        app.get('/api/v1/hidden/:thing_id', { schema: { hide: true } }, async () => ({}));
      },
    });
    try {
      expect(undocumented(extra.app, documented)).toEqual(['GET /api/v1/hidden/{thing_id}']);
    } finally {
      await extra.close();
    }
  });

  it('serves every documented operation', () => {
    const unserved = documented.filter((operation) => {
      const [method, path] = operation.split(' ') as [HTTPMethods, string];
      return !t.app.hasRoute({ method, url: path.replace(/\{(\w+)\}/g, ':$1') });
    });
    expect(unserved).toEqual([]);
  });

  it('has every SPEC.md endpoint, documented and served', () => {
    expect(SPEC.length).toBeGreaterThan(100);
    expect(SPEC.filter((operation) => !documented.includes(operation))).toEqual([]);
  });
});
