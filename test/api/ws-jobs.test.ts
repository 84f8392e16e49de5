import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { startLiveApp, WsClient, type LiveApp } from '../helpers/ws.js';

let live: LiveApp;
let alice: TestUser;
let projectId: string;
let sceneId: string;

beforeAll(async () => {
  live = await startLiveApp({ env: { RATE_LIMIT_GENERATION: '1000/minute' } });
  alice = await createUser(live.app);
  const api = as(live.app, alice);
  projectId = (await api.post('/api/v1/projects', { title: 'Jobs' })).json().data.id;
  const chapterId = (await api.post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).json().data.id;
  sceneId = (await api.post(`/api/v1/chapters/${chapterId}/scenes`, { title: 'Opening', description: 'A rainy rooftop' })).json().data.id;
});

afterAll(async () => {
  await live.close();
});

describe('WS: job frames from a real job', () => {
  it('a text task streams generation_progress, then draft_ready and task_complete', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    // Only chapters: content frames are filtered out, job frames still arrive.
    client.send({ type: 'subscribe', data: { resource: 'chapter' } });
    await client.next('subscribed');

    const accepted = await as(live.app, alice).post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: sceneId } });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const taskId = accepted.json().data.id as string;

    const done = await client.next((frame) => frame.type === 'task_complete' && frame.data.task_id === taskId, 15_000);
    expect(done.data).toMatchObject({ task_id: taskId, status: 'succeeded', draft_id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const ready = await client.next('draft_ready');
    expect(ready.data).toEqual({ draft_id: done.data.draft_id, target: { type: 'scene', id: sceneId }, kind: 'text' });

    const progress = client.frames.filter((frame) => frame.type === 'generation_progress' && frame.data.job_id === taskId);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.data).toMatchObject({ kind: 'task', status: 'succeeded', progress: 1 });
    expect(progress.every((frame) => typeof frame.data.progress === 'number')).toBe(true);
    expect(client.frames.some((frame) => frame.type === 'content_update' && frame.data.resource !== 'chapter')).toBe(false);
    await client.close();
  });
});
