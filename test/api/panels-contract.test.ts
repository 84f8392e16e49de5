/** Cross-cutting contract of the panels routes: ownership (404), auth, change events, OpenAPI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { V1, addPanel, buildWorld, listAll, makeScene, speech, type PanelsWorld } from './panels.fixtures.js';

let w: PanelsWorld;
const MISSING = '0123456789abcdef01234567';

beforeAll(async () => {
  w = await buildWorld();
});
afterAll(() => w.t.close());

describe("another user's panels and scenes", () => {
  it('404 on every panels route, leaving the data untouched', async () => {
    const { sceneId } = await makeScene(w.a);
    const panel = await addPanel(w.a, sceneId, { dialogue: [speech('a'), speech('b')] });
    const mine = await addPanel(w.b, (await makeScene(w.b)).sceneId);
    const calls = [
      w.b.get(`${V1}/scenes/${sceneId}/panels`),
      w.b.post(`${V1}/scenes/${sceneId}/panels`, {}),
      w.b.post(`${V1}/scenes/${sceneId}/reorder-panels`, { panel_ids: [panel.id] }),
      w.b.get(`${V1}/panels/${panel.id}`),
      w.b.put(`${V1}/panels/${panel.id}`, { description: 'mine now' }),
      w.b.delete(`${V1}/panels/${panel.id}`),
      w.b.post(`${V1}/panels/${panel.id}/split`, {}),
      w.b.post(`${V1}/panels/${panel.id}/merge`, { panel_id: mine.id }),
      w.b.put(`${V1}/panels/${panel.id}/dialogue`, { dialogue: [] }),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().code).toBe('not_found');
    }
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data).toEqual(panel);
    expect(await listAll(w.a, sceneId)).toHaveLength(1);
  });

  it('requires a token', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: `${V1}/panels/${MISSING}` });
    expect(response.statusCode).toBe(401);
  });
});

describe('events and OpenAPI', () => {
  it('publishes created for the panel and updated for shifted siblings after commit', async () => {
    const { sceneId, projectId } = await makeScene(w.a);
    const first = await addPanel(w.a, sceneId);
    const seen: AppEvent[] = [];
    const stop = w.t.container.events.subscribe((event) => seen.push(event));
    const inserted = await addPanel(w.a, sceneId, { order: 0 });
    await w.a.delete(`${V1}/panels/${inserted.id}`);
    stop();
    const data = seen.filter((e) => e.type === 'content_update').map((e) => e.data);
    expect(seen.every((e) => e.project_id === projectId && e.owner_id === w.alice.id)).toBe(true);
    expect(data).toEqual([
      { resource: 'panel', id: inserted.id, action: 'created', version: 1, parent: { type: 'scene', id: sceneId } },
      { resource: 'panel', id: first.id, action: 'updated', version: 2, parent: { type: 'scene', id: sceneId } },
      { resource: 'panel', id: inserted.id, action: 'deleted', version: null, parent: { type: 'scene', id: sceneId } },
      { resource: 'panel', id: first.id, action: 'updated', version: 3, parent: { type: 'scene', id: sceneId } },
    ]);
  });

  it('documents every panels route with its request and response schemas', async () => {
    const doc = (await w.t.app.inject({ method: 'GET', url: `${V1}/openapi.json` })).json();
    const routes: [string, string][] = [
      ['/api/v1/scenes/{scene_id}/panels', 'get'],
      ['/api/v1/scenes/{scene_id}/panels', 'post'],
      ['/api/v1/scenes/{scene_id}/reorder-panels', 'post'],
      ['/api/v1/panels/{panel_id}', 'get'],
      ['/api/v1/panels/{panel_id}', 'put'],
      ['/api/v1/panels/{panel_id}', 'delete'],
      ['/api/v1/panels/{panel_id}/split', 'post'],
      ['/api/v1/panels/{panel_id}/merge', 'post'],
      ['/api/v1/panels/{panel_id}/dialogue', 'put'],
    ];
    for (const [path, method] of routes) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.tags).toEqual(['panels']);
      expect(operation.responses[method === 'post' && path.endsWith('/panels') ? '201' : '200']).toBeDefined();
      if (method !== 'get' && method !== 'delete') expect(operation.requestBody, `${method} ${path}`).toBeDefined();
    }
  });
});
