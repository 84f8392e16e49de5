import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser } from '../helpers/app.js';

describe('persistence across a restart on the same DATA_DIR', () => {
  let dataDir: string;
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('keeps users, projects, tokens and revocations', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-persist-'));
    const first = await buildTestApp({ dataDir });
    const user = await createUser(first.app);
    const loggedOut = await createUser(first.app);
    const project = (await as(first.app, user).post('/api/v1/projects', { title: 'Survives' })).json().data;
    await as(first.app, loggedOut).post('/api/v1/auth/logout', {});
    await first.close({ keepData: true });

    const second = await buildTestApp({ dataDir });
    try {
      // The generated JWT secret was kept, so the old token still verifies.
      const got = await as(second.app, user).get(`/api/v1/projects/${project.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.json().data).toEqual(project);
      expect((await as(second.app, loggedOut).get('/api/v1/auth/me')).statusCode).toBe(401);
      const login = await second.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password } });
      expect(login.statusCode).toBe(200);
    } finally {
      await second.close({ keepData: true });
    }
  });
});
