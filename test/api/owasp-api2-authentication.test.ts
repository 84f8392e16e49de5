/**
 * OWASP API2:2023 Broken Authentication. Forged and misused tokens (alg none, another
 * algorithm, expired, not yet valid, the wrong `typ`, issuer or audience, revoked, tampered)
 * are all a 401; login guessing is throttled per username and per client IP with lockouts
 * that double, the same for names that do not exist; and with Redis the lockout holds across
 * instances. (test/unit/login-throttle.test.ts covers the lockout arithmetic.)
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../src/lib/ids.js';
import { AUDIENCE, ISSUER } from '../../src/lib/jwt.js';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys, testKeyPrefix } from '../contracts/redis.fixtures.js';
import { buildRedisApp, sharedDataDir } from './redis.fixtures.js';

const JWT_SECRET = 'owasp-api2-secret-0123456789-abcdefghijkl';
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT made by hand: any header, any claims, HMAC-signed with `secret` for the given digest. */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, digest = 'sha256', secret = JWT_SECRET): string {
  const head = `${b64(header)}.${b64(claims)}`;
  return `${head}.${createHmac(digest, secret).update(head).digest('base64url')}`;
}

describe('API2: tokens', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await buildTestApp({ env: { JWT_SECRET } });
    user = await createUser(t.app);
  });
  afterAll(() => t.close());

  const me = (token: string, extra: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}`, ...extra } });
  const claims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: user.id, typ: 'access', jti: newId(), fam: newId(), ims: Date.now(), iat: now, exp: now + 600, iss: ISSUER, aud: AUDIENCE, ...over };
  };
  const HS256 = { alg: 'HS256', typ: 'JWT' };

  function expect401(res: LightMyRequestResponse) {
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json()).toMatchObject({ success: false, code: 'authentication_failed' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  }

  it('accepts a correctly made token (so every refusal below is for the reason it names)', async () => {
    expect((await me(forge(HS256, claims()))).statusCode).toBe(200);
  });

  it.each([
    ['alg none, no signature', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    ['alg None, no signature', () => `${b64({ alg: 'None' })}.${b64(claims())}.`],
    ['alg none with the real signature kept', () => `${b64({ alg: 'none' })}.${b64(claims())}.${forge(HS256, claims()).split('.')[2]}`],
    ['HS512 with the right secret', () => forge({ alg: 'HS512', typ: 'JWT' }, claims(), 'sha512')],
    ['HS384 with the right secret', () => forge({ alg: 'HS384', typ: 'JWT' }, claims(), 'sha384')],
    ['RS256 header over an HMAC (algorithm confusion)', () => forge({ alg: 'RS256', typ: 'JWT' }, claims())],
    ['signed with another secret', () => forge(HS256, claims(), 'sha256', 'another-secret-another-secret-another-1')],
  ])('refuses %s', async (_name, make) => {
    expect401(await me(make()));
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['not valid yet (nbf in the future)', { nbf: Math.floor(Date.now() / 1000) + 3600 }],
    ['a refresh token (typ)', { typ: 'refresh' }],
    ['an unknown typ', { typ: 'admin' }],
    ['no typ', { typ: undefined }],
    ['another issuer', { iss: 'someone-else' }],
    ['another audience', { aud: 'another-api' }],
    ['no token id', { jti: undefined }],
    ['no subject', { sub: undefined }],
  ])('refuses a well-signed token that is %s', async (_name, over) => {
    expect401(await me(forge(HS256, claims(over))));
  });

  it('refuses a tampered token: claims, header or signature changed after signing', async () => {
    const [header, payload, signature] = user.token.split('.') as [string, string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect401(await me(`${header}.${b64({ ...decoded, sub: newId() })}.${signature}`));
    expect401(await me(`${header}.${b64({ ...decoded, exp: decoded.exp + 86_400 })}.${signature}`));
    expect401(await me(`${b64({ alg: 'HS256', typ: 'JWT', kid: '../../etc/passwd' })}.${payload}.${signature}`));
    expect401(await me(`${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`));
    expect401(await me(`${header}.${payload}`));
  });

  it('refuses revoked tokens: after logout, and after a password change', async () => {
    const one = await createUser(t.app);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: one.auth })).statusCode).toBe(200);
    expect401(await me(one.token));
    const two = await createUser(t.app);
    const changed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/change-password', headers: two.auth, payload: { current_password: two.password, new_password: 'a-new-password-1' } });
    expect(changed.statusCode).toBe(200);
    expect401(await me(two.token));
    expect401(await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: two.refreshToken } }));
  });

  it('takes the token only from the Authorization header on REST routes (not the query or a cookie)', async () => {
    expect401(await t.app.inject({ method: 'GET', url: `/api/v1/auth/me?token=${user.token}` }));
    expect401(await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `token=${user.token}; access_token=${user.token}` } }));
    expect401(await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Basic ${user.token}` } }));
  });

  it('never logs a token or password into an answer: the 401 says why without echoing them', async () => {
    const res = await me(`${user.token}x`);
    expect401(res);
    expect(res.body).not.toContain(user.token);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: 'wrong-password-1' } });
    expect(login.body).not.toContain('wrong-password-1');
  });
});

describe('API2: login brute force', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '8', LOGIN_LOCKOUT_SECONDS: '60' } });
  });
  afterAll(() => t.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  let ipCounter = 0;
  /** Each test logs in from addresses of its own, so per-IP counts do not leak between tests. */
  const freshIp = () => `10.20.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
  const login = (username: string, password: string, ip: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
  const statuses = async (username: string, passwords: string[], ip: string) => {
    const out: number[] = [];
    for (const password of passwords) out.push((await login(username, password, ip)).statusCode);
    return out;
  };
  const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

  it('locks a username after 3 failures: 429 with Retry-After, even for the right password, until the lockout ends', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    expect(await statuses(user.username, ['bad-pass-1', 'bad-pass-2', 'bad-pass-3'], ip)).toEqual([401, 401, 401]);
    // Another address does not help: the username itself is locked.
    const locked = await login(user.username, user.password, freshIp());
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ success: false, code: 'rate_limited', error: 'Too many failed sign-in attempts; try again later', details: { retry_after: 60 } });
    expect(locked.headers['retry-after']).toBe('60');
  });

  it('doubles the lockout with every further failure, and lets the right password in once a lockout ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const user = await createUser(t.app);
    const ip = freshIp();
    await statuses(user.username, ['bad-1', 'bad-2', 'bad-3'], ip);
    const waits: string[] = [];
    for (let round = 0; round < 3; round++) {
      const locked = await login(user.username, 'bad-again', ip);
      expect(locked.statusCode).toBe(429);
      waits.push(String(locked.headers['retry-after']));
      advance(Number(locked.headers['retry-after']) + 1);
      expect((await login(user.username, 'still-wrong', ip)).statusCode).toBe(401);
    }
    expect(waits).toEqual(['60', '120', '240']);
    const last = await login(user.username, user.password, ip);
    expect(last.headers['retry-after']).toBe('480');
    advance(481);
    expect((await login(user.username, user.password, ip)).statusCode).toBe(200);
    // The success cleared the username's count: three fresh tries before the next lockout.
    expect(await statuses(user.username, ['bad-4', 'bad-5', 'bad-6', user.password], freshIp())).toEqual([401, 401, 401, 429]);
  });

  it('a successful login resets the username\'s count', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    expect(await statuses(user.username, ['bad-1', 'bad-2', user.password, 'bad-3', 'bad-4', user.password], ip)).toEqual([401, 401, 200, 401, 401, 200]);
  });

  it('answers an unknown username exactly as a real one, lockout included', async () => {
    const user = await createUser(t.app);
    const sequence = ['bad-1', 'bad-2', 'bad-3', 'bad-4'];
    const strip = (res: LightMyRequestResponse) => ({ status: res.statusCode, retry: res.headers['retry-after'], body: { ...res.json(), timestamp: 0, trace_id: 0 } });
    const [knownIp, unknownIp] = [freshIp(), freshIp()];
    const known = [];
    const unknown = [];
    for (const [i, password] of sequence.entries()) {
      known.push(strip(await login(user.username, password, knownIp)));
      unknown.push(strip(await login(`nobody_${ipCounter}_${i}`, password, unknownIp)));
    }
    // The unknown name changes each time above, so also lock one unknown name outright.
    const ghost = `ghost_${ipCounter}`;
    const ghostRuns = [];
    const ghostIp = freshIp();
    for (const password of sequence) ghostRuns.push(strip(await login(ghost, password, ghostIp)));
    expect(ghostRuns).toEqual(known);
    expect(unknown.map((r) => r.status)).toEqual([401, 401, 401, 401]);
  });

  it('locks a client address after 8 failures spread over many usernames; other addresses are not affected', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    for (let i = 0; i < 8; i++) expect((await login(`spray_${i}_${ipCounter}`, 'Password1!', ip)).statusCode).toBe(401);
    const blocked = await login(user.username, user.password, ip);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('60');
    expect((await login(user.username, user.password, freshIp())).statusCode).toBe(200);
    // A success elsewhere does not clear the address.
    expect((await login(user.username, user.password, ip)).statusCode).toBe(429);
  });

  it('counts wrong current passwords on change-password toward the same lockout', async () => {
    const user = await createUser(t.app);
    const change = (current: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/change-password', headers: user.auth, payload: { current_password: current, new_password: 'brand-new-pass-1' }, remoteAddress: freshIp() });
    expect([(await change('guess-1')).statusCode, (await change('guess-2')).statusCode, (await change('guess-3')).statusCode]).toEqual([401, 401, 401]);
    expect((await change(user.password)).statusCode).toBe(429);
    expect((await login(user.username, user.password, freshIp())).statusCode).toBe(429);
  });
});

describe('API2: the client address behind a proxy (TRUST_PROXY)', () => {
  const spray = async (t: TestApp, headers: Record<string, string>, remoteAddress: string) => {
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: `spray_${i}_${remoteAddress}`, password: 'Password1!' }, headers, remoteAddress });
  };

  it('ignores X-Forwarded-For by default, so a client cannot pick the address it is counted under', async () => {
    const t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '3' } });
    try {
      const user = await createUser(t.app);
      await spray(t, { 'x-forwarded-for': '198.51.100.1' }, '10.30.0.1');
      const forgedElsewhere = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password }, headers: { 'x-forwarded-for': '198.51.100.99' }, remoteAddress: '10.30.0.1' });
      expect(forgedElsewhere.statusCode).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('counts the forwarded client address when the request comes from a configured proxy', async () => {
    const t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: '10.40.0.0/16' } });
    try {
      const user = await createUser(t.app);
      await spray(t, { 'x-forwarded-for': '198.51.100.1' }, '10.40.0.1');
      const login = (client: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password }, headers: { 'x-forwarded-for': client }, remoteAddress: '10.40.0.1' });
      // The locked-out client is locked; another client behind the same proxy is not.
      expect((await login('198.51.100.1')).statusCode).toBe(429);
      expect((await login('198.51.100.2')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('with a hop count, takes the address the nearest proxy saw', async () => {
    const t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: '1' } });
    try {
      const user = await createUser(t.app);
      // The client forged the first entry; the proxy appended the address it really saw.
      await spray(t, { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' }, '10.50.0.1');
      const login = (forwarded: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password }, headers: { 'x-forwarded-for': forwarded }, remoteAddress: '10.50.0.1' });
      expect((await login('203.0.113.99, 198.51.100.1')).statusCode).toBe(429);
      expect((await login('203.0.113.7, 198.51.100.2')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('API2: login timing does not tell which usernames exist', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Real bcrypt work (cost 8) so the difference a missing hash check would make is large.
    t = await buildTestApp({ env: { BCRYPT_ROUNDS: '8', LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '1000' } });
  });
  afterAll(() => t.close());

  it('a wrong password and an unknown name take about as long', async () => {
    const user = await createUser(t.app);
    const time = async (username: string) => {
      const start = process.hrtime.bigint();
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'not-the-password' } });
      expect(res.statusCode).toBe(401);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(user.username));
      unknown.push(await time(`nobody_${i}`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    // Without the decoy hash check the unknown name would answer ~50x faster.
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });
});

if (!REDIS_URL) {
  announceSkip('OWASP API2 login lockout across instances', 'REDIS_URL');
  describe.skip('API2: login lockout across instances (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  const keyPrefix = testKeyPrefix();
  afterAll(() => dropKeys(url, keyPrefix));

  describe('API2: login lockout across instances (Redis)', () => {
    it('failures on instance A lock the username on instance B; a success on B clears it for A', async () => {
      const dir = await sharedDataDir();
      const env = { LOGIN_MAX_FAILURES: '2', LOGIN_MAX_FAILURES_PER_IP: '100', LOGIN_LOCKOUT_SECONDS: '2' };
      const a = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir, env });
      const b = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir, env });
      try {
        const user = await createUser(a.app);
        const login = (app: typeof a.app, password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password } });
        expect((await login(a.app, 'bad-1')).statusCode).toBe(401);
        expect((await login(b.app, 'bad-2')).statusCode).toBe(401);
        const locked = await login(b.app, user.password);
        expect(locked.statusCode).toBe(429);
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
        expect((await login(a.app, user.password)).statusCode).toBe(429);
        await new Promise((resolve) => setTimeout(resolve, 2_100));
        expect((await login(b.app, user.password)).statusCode).toBe(200);
        // B's success cleared the count for A too: one failure on A is not a lockout.
        expect((await login(a.app, 'bad-3')).statusCode).toBe(401);
        expect((await login(a.app, user.password)).statusCode).toBe(200);
      } finally {
        await a.close();
        await b.close();
        await dir.remove();
      }
    }, 30_000);
  });
}
