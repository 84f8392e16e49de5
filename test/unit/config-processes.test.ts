/** The settings of several cooperating processes: roles, the Redis key prefix, the job lock. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig: processes sharing Redis', () => {
  it('defaults to one process doing everything, the "inkframe:" prefix and a 30 s job lock', () => {
    expect(loadConfig({})).toMatchObject({ role: 'all', redisKeyPrefix: 'inkframe:', jobLockMs: 30_000 });
  });

  it('takes ROLE=api|worker with Redis, a key prefix of its own and a shorter lock', () => {
    expect(loadConfig({ ...REDIS, ROLE: 'worker', REDIS_KEY_PREFIX: 'team-b:', JOB_LOCK_MS: '5000' })).toMatchObject({
      role: 'worker',
      redisKeyPrefix: 'team-b:',
      jobLockMs: 5_000,
    });
    expect(loadConfig({ ...REDIS, ROLE: 'api' }).role).toBe('api');
  });

  it.each([
    [{ ROLE: 'api' }, 'ROLE', /only ROLE=all is valid/],
    [{ ...REDIS, ROLE: 'scheduler' }, 'ROLE', /api, worker, all/],
    [{ REDIS_KEY_PREFIX: 'a b' }, 'REDIS_KEY_PREFIX', /letters, digits/],
    [{ REDIS_KEY_PREFIX: '{slot}:' }, 'REDIS_KEY_PREFIX', /letters, digits/],
    [{ REDIS_KEY_PREFIX: 'x'.repeat(65) }, 'REDIS_KEY_PREFIX', /1-64/],
    [{ JOB_LOCK_MS: '500' }, 'JOB_LOCK_MS', /between 1000 and 600000/],
    [{ JOB_LOCK_MS: 'soon' }, 'JOB_LOCK_MS', /integer/],
  ])('refuses %j naming %s', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  });
});
