/**
 * Several real processes (src/main.ts, as `npm start` / `npm run worker` run it) sharing
 * MongoDB and Redis: two API processes (ROLE=api) and a worker (ROLE=worker) with one
 * database, one Redis key prefix, one JWT secret and one DATA_DIR (images). Runs only when
 * MONGODB_URL and REDIS_URL are both set (.ci/run starts both).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONGODB_URL, REDIS_URL, announceSkip } from '../helpers/services.js';
import { STARTUP_MS, call as callBase, created as createdOn, startServer, until, type Json, type ServerProcess as Proc } from '../helpers/server-process.js';
import { WsClient } from '../helpers/ws.js';
import { dropKeys } from '../contracts/redis.fixtures.js';

const FINISHED = ['succeeded', 'failed', 'canceled'];

if (!MONGODB_URL || !REDIS_URL) {
  announceSkip('multi-process test (2 API processes + workers on MongoDB and Redis)', !MONGODB_URL ? 'MONGODB_URL' : 'REDIS_URL');
  describe.skip('several processes on MongoDB + Redis (MONGODB_URL and REDIS_URL not both set)', () => {
    it('needs MongoDB and Redis', () => undefined);
  });
} else {
  const mongoUrl = MONGODB_URL;
  const redisUrl = REDIS_URL;
  const suffix = randomBytes(5).toString('hex');
  const shared: Record<string, string> = {
    MONGODB_URL: mongoUrl,
    MONGODB_DB: `inkframe_mp_${suffix}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `inkframe-mp-${suffix}:`,
    JWT_SECRET: `multi-process-secret-${suffix}-0123456789abcdef`,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_GENERATION: '1000/minute',
    // A killed worker's job is taken over after a few seconds instead of 30-60.
    JOB_LOCK_MS: '4000',
  };
  const procs: Proc[] = [];
  let dataDir = '';
  let token = '';
  let projectId = '';

  async function start(name: string, role: 'api' | 'worker'): Promise<Proc> {
    const proc = await startServer({ ...shared, DATA_DIR: dataDir, ROLE: role }, { name });
    procs.push(proc);
    return proc;
  }

  const kill = (proc: Proc, signal: NodeJS.Signals = 'SIGKILL') => proc.stop(signal);
  const call = (proc: Proc, method: string, url: string, token?: string, body?: unknown) => callBase(proc.base, method, url, token, body);
  const created = (proc: Proc, url: string, token: string, body: Json) => createdOn(proc.base, url, token, body);

  /** A socket on the project, known to be set up once the server answered its subscribe frame. */
  async function listen(proc: Proc): Promise<WsClient> {
    const socket = await WsClient.connect(`ws://127.0.0.1:${proc.port}/api/v1/ws/${projectId}?token=${encodeURIComponent(token)}`);
    socket.send({ type: 'subscribe', data: { resource: 'project' } });
    await socket.next('subscribed', 10_000);
    return socket;
  }

  const jobOn = async (proc: Proc, token: string, id: string) => (await call(proc, 'GET', `/generate/status/${id}`, token)).json.data as Json;
  const jobEnds = (proc: Proc, token: string, id: string, timeoutMs = 60_000) =>
    until(`job ${id} to finish`, async () => {
      const job = await jobOn(proc, token, id);
      return FINISHED.includes(job.status) ? job : null;
    }, timeoutMs);

  describe('several processes on MongoDB + Redis', () => {
    let api1: Proc;
    let api2: Proc;
    let worker: Proc;

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-mp-'));
      [api1, api2, worker] = await Promise.all([start('api1', 'api'), start('api2', 'api'), start('worker1', 'worker')]);
    }, 3 * STARTUP_MS);

    afterAll(async () => {
      await Promise.all(procs.map((proc) => kill(proc)));
      const mongo = new MongoClient(mongoUrl);
      await mongo.db(shared.MONGODB_DB).dropDatabase().catch(() => undefined);
      await mongo.close();
      await dropKeys(redisUrl, shared.REDIS_KEY_PREFIX!);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('the worker answers only the health probes', async () => {
      expect((await call(worker, 'GET', '/health')).json).toMatchObject({ status: 'healthy', services: { mongodb: 'connected', redis: 'connected' } });
      expect((await call(worker, 'GET', '/projects')).status).toBe(404);
    });

    it('a token from one API process works on the other; logout on one revokes it on the other', async () => {
      const credentials = { username: `mp_${suffix}`, password: 'correct horse battery' };
      await created(api1, '/auth/register', '', credentials);
      const first = (await call(api1, 'POST', '/auth/login', undefined, credentials)).json.data.access_token as string;
      expect((await call(api2, 'GET', '/auth/me', first)).status).toBe(200);
      expect((await call(api2, 'POST', '/auth/logout', first)).status).toBe(200);
      expect((await call(api1, 'GET', '/auth/me', first)).status).toBe(401);
      expect((await call(api2, 'GET', '/auth/me', first)).status).toBe(401);
      token = (await call(api2, 'POST', '/auth/login', undefined, credentials)).json.data.access_token as string;
    });

    it('a project created on one is read on the other, and a socket on one hears changes made on the other', async () => {
      projectId = (await created(api1, '/projects', token, { title: 'Shared harbour' })).id;
      expect((await call(api2, 'GET', `/projects/${projectId}`, token)).json.data).toMatchObject({ id: projectId, title: 'Shared harbour' });

      const socket = await listen(api2);
      try {
        expect((await call(api1, 'PUT', `/projects/${projectId}`, token, { title: 'Renamed on api1' })).status).toBe(200);
        const frame = await socket.next((f) => f.type === 'content_update' && f.data.id === projectId, 10_000);
        expect(frame.data).toMatchObject({ resource: 'project', action: 'updated' });
      } finally {
        await socket.close();
      }
    });

    it('a job queued on one API process runs on the worker; its status and events show on both', async () => {
      const socket = await listen(api2);
      try {
        const queued = await created(api1, '/generate/image', token, { project_id: projectId, prompt: 'a lighthouse in fog', seed: 5 });
        expect(queued.status).toBe('queued');
        const done = await jobEnds(api2, token, queued.id);
        expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
        expect((done.result as Json).image_ids).toHaveLength(1);
        expect(await jobOn(api1, token, queued.id)).toMatchObject({ status: 'succeeded', result: done.result });
        const event = await socket.next((f) => f.type === 'generation_progress' && f.data.job_id === queued.id && f.data.status === 'succeeded', 10_000);
        expect(event.data).toMatchObject({ kind: 'generation', progress: 1 });
      } finally {
        await socket.close();
      }
    });

    it('with the worker killed, jobs wait queued; a new worker picks them up', async () => {
      await kill(worker);
      const jobs = [
        await created(api1, '/generate/image', token, { project_id: projectId, prompt: 'a gull' }),
        await created(api2, '/generate/image', token, { project_id: projectId, prompt: 'a rope' }),
      ];
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const job of jobs) expect((await jobOn(api2, token, job.id)).status).toBe('queued');

      worker = await start('worker2', 'worker');
      for (const job of jobs) expect(await jobEnds(api1, token, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    }, 2 * STARTUP_MS);

    it('a worker killed mid-job leaves the job to another worker, which runs it again and discards the partial run', async () => {
      const chapter = await created(api1, `/projects/${projectId}/chapters`, token, { title: 'Storm' });
      const scene = await created(api1, `/chapters/${chapter.id}/scenes`, token, { title: 'Quay' });
      const panels = 24;
      for (let i = 0; i < panels; i++) await created(api2, `/scenes/${scene.id}/panels`, token, { description: `Waves hit the quay, moment ${i}` });
      const job = await created(api1, '/generate/panel-sequence', token, { scene_id: scene.id });
      const draftsOfJob = async () => {
        const drafts = await call(api2, 'GET', `/drafts?project_id=${projectId}&limit=100`, token);
        return (drafts.json.data.items as Json[]).filter((draft) => (draft.source as Json | undefined)?.id === job.id).map((draft) => draft.id as string);
      };
      const checkpointed = async () => (((await jobOn(api1, token, job.id)).result as Json | null)?.draft_ids ?? []) as string[];

      // Killed once it has checkpointed its first drafts, long before it can finish its many panels.
      await until('the first checkpointed drafts of the panel sequence', async () => (await checkpointed()).length > 0, 60_000);
      await kill(worker);
      const partial = await checkpointed();
      expect(partial.length).toBeLessThan(panels);
      expect((await jobOn(api2, token, job.id)).status).toBe('running');

      worker = await start('worker3', 'worker');
      const done = await jobEnds(api2, token, job.id, 120_000);
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      const draftIds = (done.result as Json).draft_ids as string[];
      expect(draftIds).toHaveLength(panels);
      // What the killed run had checkpointed was discarded by the re-run; the new drafts all exist.
      const remaining = await draftsOfJob();
      expect(remaining.filter((id) => partial.includes(id))).toEqual([]);
      expect(draftIds.filter((id) => !remaining.includes(id))).toEqual([]);
    }, 4 * STARTUP_MS);
  });
}
