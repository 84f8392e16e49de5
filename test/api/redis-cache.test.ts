/**
 * Read-through caching of project stats and applicable instructions, end to end through the
 * API: on the embedded cache always, on Redis when REDIS_URL is set (there also across two
 * instances sharing one database and one Redis). Direct store writes, which publish no event,
 * prove that answers really come from the cache; API writes must show at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../src/lib/ids.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';

type Doc = StoredDoc & Record<string, unknown>;
import { as, createUser, type TestUser } from '../helpers/app.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys, testKeyPrefix } from '../contracts/redis.fixtures.js';
import { buildRedisApp, sharedDataDir, type RedisTestApp } from './redis.fixtures.js';

const statsUrl = (projectId: string) => `/api/v1/projects/${projectId}/stats`;
const applicableUrl = (scope: string, id: string) => `/api/v1/instructions/applicable?scope=${scope}&id=${id}`;

async function newProject(app: FastifyInstance, user: TestUser): Promise<string> {
  const res = await as(app, user).post('/api/v1/projects', { title: `Cached ${newId()}` });
  expect(res.statusCode).toBe(201);
  return res.json().data.id;
}

/** A chapter written behind the API's back: no event, so no invalidation. */
async function sneakChapter(store: DocumentStore, user: TestUser, projectId: string): Promise<void> {
  await store.insert<Doc>('chapters', { id: newId(), owner_id: user.id, project_id: projectId, title: 'Sneaked', summary: '', order: 99 });
}

function cachingSuite(name: string, redisUrl: string | undefined): void {
  describe(`read-through caching: ${name}`, () => {
    const keyPrefix = testKeyPrefix();
    let dir: Awaited<ReturnType<typeof sharedDataDir>>;
    let t: RedisTestApp;
    let alice: TestUser;
    let bob: TestUser;

    beforeAll(async () => {
      dir = await sharedDataDir();
      t = await buildRedisApp({ redisUrl, keyPrefix, dataDir: dir.dir });
      alice = await createUser(t.app);
      bob = await createUser(t.app);
    });
    afterAll(async () => {
      await t.close();
      await dir.remove();
      if (redisUrl) await dropKeys(redisUrl, keyPrefix);
    });

    it('serves stats from the cache, and a chapter created through the API shows at once', async () => {
      const projectId = await newProject(t.app, alice);
      const first = await as(t.app, alice).get(statsUrl(projectId));
      expect(first.statusCode).toBe(200);
      expect(first.json().data.chapters).toBe(0);

      await sneakChapter(t.container.store, alice, projectId);
      expect((await as(t.app, alice).get(statsUrl(projectId))).json().data.chapters).toBe(0);

      expect((await as(t.app, alice).post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).statusCode).toBe(201);
      expect((await as(t.app, alice).get(statsUrl(projectId))).json().data.chapters).toBe(2);
    });

    it('drops only the changed project: another project stays cached', async () => {
      const [changed, untouched] = [await newProject(t.app, alice), await newProject(t.app, alice)];
      await as(t.app, alice).get(statsUrl(changed));
      await as(t.app, alice).get(statsUrl(untouched));
      await sneakChapter(t.container.store, alice, untouched);
      await as(t.app, alice).post(`/api/v1/projects/${changed}/chapters`, { title: 'One' });
      expect((await as(t.app, alice).get(statsUrl(changed))).json().data.chapters).toBe(1);
      expect((await as(t.app, alice).get(statsUrl(untouched))).json().data.chapters).toBe(0);
    });

    it("never serves one user's cached stats to another, and forgets a deleted project", async () => {
      const projectId = await newProject(t.app, alice);
      expect((await as(t.app, alice).get(statsUrl(projectId))).statusCode).toBe(200);
      expect((await as(t.app, bob).get(statsUrl(projectId))).statusCode).toBe(404);
      expect((await as(t.app, alice).delete(`/api/v1/projects/${projectId}`)).statusCode).toBe(200);
      expect((await as(t.app, alice).get(statsUrl(projectId))).statusCode).toBe(404);
    });

    it('caches applicable instructions, and an instruction created through the API applies at once', async () => {
      const projectId = await newProject(t.app, alice);
      const chapter = (await as(t.app, alice).post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).json().data;
      const empty = await as(t.app, alice).get(applicableUrl('chapter', chapter.id));
      expect(empty.statusCode).toBe(200);
      expect(empty.json().data.items).toEqual([]);

      // Behind the API's back: still the cached empty list.
      await t.container.store.insert<Doc>('instructions', {
        id: newId(),
        owner_id: alice.id,
        project_id: projectId,
        scope: { type: 'project', id: projectId },
        scope_type: 'project',
        scope_id: projectId,
        content: 'Sneaked',
        priority: 0,
        enabled: true,
      });
      expect((await as(t.app, alice).get(applicableUrl('chapter', chapter.id))).json().data.items).toEqual([]);
      expect((await as(t.app, bob).get(applicableUrl('chapter', chapter.id))).statusCode).toBe(404);

      const created = await as(t.app, alice).post(`/api/v1/projects/${projectId}/instructions`, { content: 'Use ink washes' });
      expect(created.statusCode).toBe(201);
      const items = (await as(t.app, alice).get(applicableUrl('chapter', chapter.id))).json().data.items;
      expect(items.map((item: { content: string }) => item.content).sort()).toEqual(['Sneaked', 'Use ink washes']);
    });
  });
}

cachingSuite('embedded cache', undefined);

if (!REDIS_URL) {
  announceSkip('read-through caching on Redis (API)', 'REDIS_URL');
  describe.skip('read-through caching: redis (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  cachingSuite('redis', url);

  describe('read-through caching shared by two instances', () => {
    const keyPrefix = testKeyPrefix();
    let dir: Awaited<ReturnType<typeof sharedDataDir>>;
    let a: RedisTestApp;
    let b: RedisTestApp;
    beforeAll(async () => {
      dir = await sharedDataDir();
      a = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir });
      b = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await dir.remove();
      await dropKeys(url, keyPrefix);
    });

    it('answers B from what A cached, and a change made on A shows on B at once', async () => {
      const alice = await createUser(a.app);
      const projectId = await newProject(a.app, alice);
      expect((await as(a.app, alice).get(statsUrl(projectId))).json().data.chapters).toBe(0);
      await sneakChapter(a.container.store, alice, projectId);
      expect((await as(b.app, alice).get(statsUrl(projectId))).json().data.chapters).toBe(0);

      expect((await as(a.app, alice).post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).statusCode).toBe(201);
      expect((await as(b.app, alice).get(statsUrl(projectId))).json().data.chapters).toBe(2);
    });
  });
}
