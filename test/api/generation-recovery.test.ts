import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { JOBS_COLLECTION, type JobDoc } from '../../src/ports/job-queue.js';
import { as, buildTestApp, createUser } from '../helpers/app.js';
import { finished, seedStory } from './generation.fixtures.js';

describe('jobs after a crash (restart on the same DATA_DIR)', () => {
  let dataDir: string;
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('re-runs jobs a crash left running or queued, discards what the interrupted run made, and fails those out of attempts', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-jobs-'));
    const first = await buildTestApp({ dataDir });
    const user = await createUser(first.app);
    const s = await seedStory(first.app, user);

    // A finished job whose outputs stand in for what an interrupted attempt had produced.
    const earlier = (await as(first.app, user).post(`/api/v1/panels/${s.panelIds[0]}/generate-image`, {})).json().data;
    const leftovers = await finished(first.app, user, `/api/v1/generate/status/${earlier.id}`);
    const { image_ids: leftImages, draft_id: leftDraft } = leftovers.result as { image_ids: string[]; draft_id: string };

    // What a crash leaves behind: documents written, no worker to finish them.
    const base = {
      kind: 'generation' as const,
      owner_id: user.id,
      project_id: s.projectId,
      provider: 'sketch',
      model: 'storyboard-sketch-1',
      prompt: null,
      seed: 3,
      error: null,
      draft_id: null,
      finished_at: null,
    };
    const interrupted = await first.container.store.insert<JobDoc>(JOBS_COLLECTION, {
      ...base,
      id: newId(),
      type: 'panel_image',
      params: { panel_id: s.panelIds[0], n: 1, seed: 3 },
      status: 'running',
      progress: 0.5,
      attempts: 1,
      started_at: new Date().toISOString(),
      result: { image_ids: leftImages, draft_ids: [leftDraft], partial: true },
    });
    const neverStarted = await first.container.store.insert<JobDoc>(JOBS_COLLECTION, {
      ...base,
      id: newId(),
      type: 'image',
      params: { project_id: s.projectId, prompt: 'queued before the crash', n: 1, seed: 3 },
      status: 'queued',
      progress: 0,
      attempts: 0,
      started_at: null,
      result: null,
    });
    const exhausted = await first.container.store.insert<JobDoc>(JOBS_COLLECTION, {
      ...base,
      id: newId(),
      kind: 'task',
      type: 'scene_summary',
      params: { target: { type: 'scene', id: s.sceneId }, variants: 2, seed: 3 },
      status: 'running',
      progress: 0.2,
      attempts: 3,
      started_at: new Date().toISOString(),
      result: null,
    });
    await first.close({ keepData: true });

    const second = await buildTestApp({ dataDir });
    try {
      const rerun = await finished(second.app, user, `/api/v1/generate/status/${interrupted.id}`);
      expect(rerun).toMatchObject({ status: 'succeeded', attempts: 2, progress: 1, error: null });
      expect(rerun.draft_id).toMatch(/^[0-9a-f]{24}$/);
      expect(rerun.draft_id).not.toBe(leftDraft);
      // The interrupted attempt's draft and image are gone; the new ones exist.
      expect(await second.container.store.get('drafts', leftDraft)).toBeNull();
      expect((await as(second.app, user).get(`/api/v1/images/${leftImages[0]}/metadata`)).statusCode).toBe(404);
      expect(await second.container.store.get('drafts', rerun.draft_id as string)).not.toBeNull();

      const queued = await finished(second.app, user, `/api/v1/generate/status/${neverStarted.id}`);
      expect(queued).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(queued.prompt).toContain('queued before the crash');

      const failed = await finished(second.app, user, `/api/v1/tasks/${exhausted.id}/status`);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/interrupted 3 times/);
      expect(failed.finished_at).not.toBeNull();
      const result = await as(second.app, user).get(`/api/v1/tasks/${exhausted.id}/result`);
      expect(result.statusCode).toBe(200);
      expect(result.json().data).toMatchObject({ status: 'failed', error: failed.error });

      expect(await second.container.store.count(JOBS_COLLECTION, { status: 'running' })).toBe(0);
    } finally {
      await second.close({ keepData: true });
    }
  });
});
