/**
 * Jobs across a crash, with the real server (src/main.ts) as a child process and a slow
 * AUTOMATIC1111 fake in this process as its image provider: generation jobs are queued, the
 * server is SIGKILLed while some run (a panel sequence among them, part way through its
 * panels), and restarted on the same data. Every job then ends `succeeded`, or `failed` with
 * a reason; none stays `queued` or `running`; and no job leaves more than its own outputs
 * (one draft per panel of a sequence, one per panel image, no orphan image records). Also with
 * the BullMQ queue when REDIS_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAutomatic1111 } from '../fakes/automatic1111.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys } from '../contracts/redis.fixtures.js';
import { call, created, registerUser, startServer, until, type Json, type ServerProcess } from '../helpers/server-process.js';

const FINISHED = ['succeeded', 'failed', 'canceled'];
const PANELS = 3;
const SINGLE_JOBS = 4;

let fake: Awaited<ReturnType<typeof startFakeAutomatic1111>>;
const dirs: string[] = [];

beforeAll(async () => {
  fake = await startFakeAutomatic1111();
});
afterAll(async () => {
  await fake?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const jobOf = async (base: string, token: string, id: string) => (await call(base, 'GET', `/generate/status/${id}`, token)).json.data as Json;

/** Stored image records, read from the SQLite file of a stopped server. */
function storedImages(dataDir: string): Json[] {
  const db = new Database(path.join(dataDir, 'inkframe.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT data FROM images').pluck().all() as string[]).map((data) => JSON.parse(data) as Json);
  } finally {
    db.close();
  }
}

async function crashWithJobsRunning(extraEnv: Record<string, string>): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-jobs-crash-'));
  dirs.push(dataDir);
  const env = {
    DATA_DIR: dataDir,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
    IMAGE_PROVIDER: 'automatic1111',
    A1111_URL: fake.url,
    JOB_CONCURRENCY: '2',
    RATE_LIMIT_DEFAULT: '1000000/hour',
    RATE_LIMIT_GENERATION: '100000/minute',
    ...extraEnv,
  };
  // A slow GPU: each image takes over a second, so the kill finds jobs mid-generation.
  fake.tuning.delayMs = 1_200;
  let server: ServerProcess = await startServer(env, { name: 'jobs-1' });
  try {
    const token = await registerUser(server.base, `jobs_${randomBytes(4).toString('hex')}`);
    const project = await created(server.base, '/projects', token, { title: 'Jobs crash' });
    const chapter = await created(server.base, `/projects/${project.id}/chapters`, token, { title: 'One' });
    const scene = await created(server.base, `/chapters/${chapter.id}/scenes`, token, { title: 'Dock' });
    const panelIds: string[] = [];
    for (let i = 0; i < PANELS; i++) panelIds.push((await created(server.base, `/scenes/${scene.id}/panels`, token, { description: `Gulls over the dock, beat ${i}` })).id);

    // Queued first, so it runs from the start: several panels, a draft checkpointed after each.
    const sequence = await created(server.base, '/generate/panel-sequence', token, { scene_id: scene.id });
    const singles: Json[] = [];
    for (let i = 0; i < SINGLE_JOBS; i++) singles.push(await created(server.base, `/panels/${panelIds[i % PANELS]}/generate-image`, token, { seed: i }));
    const jobs = [sequence, ...singles];

    // Killed once the sequence has stored a draft and two jobs run (JOB_CONCURRENCY=2).
    await until('a part-done panel sequence and two running jobs', async () => {
      const states = await Promise.all(jobs.map((job) => jobOf(server.base, token, job.id)));
      const partial = ((states[0]!.result as Json | null)?.draft_ids as string[] | undefined)?.length ?? 0;
      return partial >= 1 && states.filter((job) => job.status === 'running').length === 2;
    }, 60_000);
    await server.stop('SIGKILL');

    fake.tuning.delayMs = 50;
    server = await startServer(env, { name: 'jobs-2' });
    const ended = await until('every job to end', async () => {
      const states = await Promise.all(jobs.map((job) => jobOf(server.base, token, job.id)));
      return states.every((job) => FINISHED.includes(job.status as string)) ? states : null;
    }, 60_000, 200);

    for (const job of ended) {
      expect(['succeeded', 'failed'], JSON.stringify(job)).toContain(job.status);
      if (job.status === 'failed') expect(job.error, JSON.stringify(job)).toMatch(/\S/);
    }
    // The kill interrupted the running ones; they ran again.
    expect(ended[0]).toMatchObject({ status: 'succeeded' });
    expect(ended[0]!.attempts).toBeGreaterThanOrEqual(2);

    const drafts = (await call(server.base, 'GET', `/drafts?project_id=${project.id}&limit=100`, token)).json.data.items as Json[];
    const draftsOf = (jobId: string) => drafts.filter((draft) => (draft.source as Json).id === jobId);
    const sequenceResult = ended[0]!.result as { draft_ids: string[]; image_ids: string[] };
    expect(draftsOf(sequence.id).map((draft) => draft.id).sort()).toEqual([...sequenceResult.draft_ids].sort());
    expect(draftsOf(sequence.id).map((draft) => (draft.target as Json).id).sort()).toEqual([...panelIds].sort());
    for (const job of ended.slice(1)) {
      const own = draftsOf(job.id as string).map((draft) => draft.id);
      expect(own, `drafts of job ${job.id}`).toEqual(job.status === 'succeeded' ? [job.draft_id] : []);
    }

    expect(await server.stop('SIGTERM'), server.output()).toBe(0);
    // No image record outside the jobs' results: nothing the killed runs stored was left behind.
    const kept = new Set(ended.flatMap((job) => ((job.result as Json | null)?.image_ids as string[] | undefined) ?? []));
    const generated = storedImages(dataDir).filter((image) => (image.metadata as Json).job_id);
    expect(generated.filter((image) => !kept.has(image.id as string)).map((image) => image.id)).toEqual([]);
    expect(generated).toHaveLength(kept.size);
  } finally {
    await server.stop();
  }
}

describe('jobs across a crash (embedded queue)', () => {
  it('re-runs the jobs a SIGKILL interrupted; every job ends succeeded or failed with a reason, with no duplicate outputs', async () => {
    await crashWithJobsRunning({});
  }, 180_000);
});

if (!REDIS_URL) {
  announceSkip('jobs across a crash on BullMQ', 'REDIS_URL');
  describe.skip('jobs across a crash on BullMQ (REDIS_URL not set)', () => {
    it('needs Redis', () => undefined);
  });
} else {
  const redisUrl = REDIS_URL;
  const prefix = `inkframe-jobs-crash-${randomBytes(4).toString('hex')}:`;
  describe('jobs across a crash (BullMQ)', () => {
    afterAll(async () => dropKeys(redisUrl, prefix));

    it('the restarted process takes over the jobs the killed one held; each ends once, with no duplicate outputs', async () => {
      // A short lock: the dead process's jobs count as stalled after a second or two, not 30.
      await crashWithJobsRunning({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, JOB_LOCK_MS: '2000' });
    }, 180_000);
  });
}
