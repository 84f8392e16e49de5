/**
 * A worker that dies between storing a job's output and checkpointing it on the job must not
 * leave that output behind once the job is re-run: a panel sequence must end with exactly one
 * draft (and one image) per panel, never an orphan next to the re-run's own.
 *
 * The "death" is simulated in process: the first app's job is frozen for good right after a
 * draft (or image) was written - at the event announcing it, which comes after the insert and
 * before the job's next checkpoint - and the app is closed, leaving the job `running` in the
 * SQLite file, as a SIGKILL would. A second app on the same DATA_DIR recovers and re-runs it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { JOBS_COLLECTION, type JobDoc } from '../../src/ports/job-queue.js';
import { as, buildTestApp, createUser } from '../helpers/app.js';
import { finished, seedStory } from './generation.fixtures.js';

type Json = Record<string, unknown>;

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** True for the event at which the first app's job freezes. */
type FreezePoint = (event: AppEvent) => boolean;

const nth = (n: number, match: (event: AppEvent) => boolean): FreezePoint => {
  let seen = 0;
  return (event) => match(event) && ++seen === n;
};

async function crashAndRerun(freezeAt: FreezePoint) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-orphans-'));
  dirs.push(dataDir);
  const first = await buildTestApp({ dataDir, container: { jobs: { stopGraceMs: 50 } } });
  const user = await createUser(first.app);
  const s = await seedStory(first.app, user);

  let frozen!: () => void;
  const froze = new Promise<void>((resolve) => (frozen = resolve));
  const events = first.container.events;
  const publish = events.publish.bind(events);
  events.publish = async (event) => {
    if (!freezeAt(event)) return publish(event);
    frozen();
    // The process "dies" here: nothing after this point of the run ever happens.
    return new Promise<never>(() => undefined);
  };

  const queued = (await as(first.app, user).post('/api/v1/generate/panel-sequence', { scene_id: s.sceneId })).json().data;
  await froze;
  const left = (await first.container.store.get<JobDoc>(JOBS_COLLECTION, queued.id))!;
  expect(left.status).toBe('running');
  await first.close({ keepData: true });

  const second = await buildTestApp({ dataDir });
  try {
    const done = await finished(second.app, user, `/api/v1/generate/status/${queued.id}`);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', attempts: 2 });
    const result = done.result as { draft_ids: string[]; image_ids: string[] };
    const store = second.container.store;
    const drafts = await store.find<{ id: string; target_id: string } & JobDoc>('drafts', { source_id: queued.id });
    const images = (await store.find<{ id: string; metadata: Json } & JobDoc>('images', { project_id: s.projectId })).filter((image) => image.metadata.job_id === queued.id);
    return { s, left, result, drafts, images };
  } finally {
    await second.close();
  }
}

describe('job outputs after a crash between storing and checkpointing', () => {
  it('a panel sequence killed right after storing a draft ends with one draft per panel', async () => {
    const { s, left, result, drafts, images } = await crashAndRerun(nth(2, (event) => event.type === 'draft_ready'));
    expect(drafts.map((draft) => draft.id).sort()).toEqual([...result.draft_ids].sort());
    expect(drafts.map((draft) => draft.target_id).sort()).toEqual([...s.panelIds].sort());
    expect(images.map((image) => image.id).sort()).toEqual([...result.image_ids].sort());
    // The frozen run had stored two drafts; both were known to the job before they existed.
    expect((left.result as { draft_ids: string[] }).draft_ids).toHaveLength(2);
  });

  it('a panel sequence killed right after storing an image leaves no orphan image', async () => {
    const imageCreated = (event: AppEvent) => event.type === 'content_update' && (event.data as Json).resource === 'image' && (event.data as Json).action === 'created';
    const { s, left, result, drafts, images } = await crashAndRerun(nth(2, imageCreated));
    expect(images.map((image) => image.id).sort()).toEqual([...result.image_ids].sort());
    expect(images).toHaveLength(s.panelIds.length);
    expect(drafts.map((draft) => draft.target_id).sort()).toEqual([...s.panelIds].sort());
    expect((left.result as { image_ids: string[] }).image_ids).toHaveLength(2);
  });
});
