import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { reaches, seedStory, waitingTextProvider, type Story } from './generation.fixtures.js';

describe('a running task (text provider that only a cancel ends)', () => {
  let t: TestApp;
  let alice: TestUser;
  let s: Story;
  const waiting = waitingTextProvider();
  const events: AppEvent[] = [];

  beforeAll(async () => {
    t = await buildTestApp({ env: { JOB_CONCURRENCY: '1', RATE_LIMIT_DEFAULT: '100000/hour' }, container: { textProvider: waiting.provider } });
    t.container.events.subscribe((event) => events.push(event));
    alice = await createUser(t.app);
    s = await seedStory(t.app, alice);
  });
  afterAll(async () => t.close());

  const execute = async () => {
    const res = await as(t.app, alice).post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: s.sceneId } });
    expect(res.statusCode).toBe(202);
    return res.json().data.id as string;
  };

  it('answers 409 for the result while queued or running, then cancels both; the provider call is aborted', async () => {
    const running = await execute();
    const queued = await execute();
    await reaches(t.app, alice, `/api/v1/tasks/${running}/status`, 'running');
    const status = (await as(t.app, alice).get(`/api/v1/tasks/${running}/status`)).json().data;
    // The final prompt is recorded before the provider answers.
    expect(status.prompt).toContain('Always show the rain');
    expect(status.provider).toBe('waiting-text');

    for (const id of [running, queued]) {
      const early = await as(t.app, alice).get(`/api/v1/tasks/${id}/result`);
      expect(early.statusCode).toBe(409);
      expect(early.json().code).toBe('conflict');
    }

    const cancelQueued = await as(t.app, alice).post(`/api/v1/tasks/${queued}/cancel`);
    expect(cancelQueued.json().data).toMatchObject({ status: 'canceled', started_at: null });
    const cancelRunning = await as(t.app, alice).post(`/api/v1/tasks/${running}/cancel`);
    expect(cancelRunning.statusCode).toBe(200);
    expect(cancelRunning.json().data).toMatchObject({ status: 'canceled', result: null, draft_id: null });
    expect(waiting.aborts()).toBe(1);
    expect(waiting.calls()).toBe(1);

    const result = await as(t.app, alice).get(`/api/v1/tasks/${running}/result`);
    expect(result.statusCode).toBe(200);
    expect(result.json().data).toMatchObject({ task_id: running, status: 'canceled', result: null, draft_id: null });
    expect((await as(t.app, alice).post(`/api/v1/tasks/${running}/cancel`)).statusCode).toBe(409);
    expect(await t.container.store.count('drafts', { target_id: s.sceneId })).toBe(0);

    const complete = events.filter((e) => e.type === 'task_complete').map((e) => e.data);
    expect(complete).toEqual(expect.arrayContaining([{ task_id: running, status: 'canceled' }, { task_id: queued, status: 'canceled' }]));
  });
});
