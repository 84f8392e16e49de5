import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as object, headers });
const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

describe('register', () => {
  it('creates a user and never returns the password', async () => {
    const res = await post('/auth/register', { username: 'Alice_1', password: 'password123' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.data).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), username: 'Alice_1', created_at: expect.any(String), updated_at: expect.any(String) });
    expect(res.body).not.toContain('password');
    expect(res.headers.location).toBe('/api/v1/auth/me');
  });

  it('rejects a username taken in another case with 409', async () => {
    await post('/auth/register', { username: 'bob.smith', password: 'password123' });
    const res = await post('/auth/register', { username: 'BOB.SMITH', password: 'password123' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ success: false, code: 'conflict' });
  });

  it.each([
    [{ username: 'ab', password: 'password123' }, 'username'],
    [{ username: 'x'.repeat(33), password: 'password123' }, 'username'],
    [{ username: 'bad name!', password: 'password123' }, 'username'],
    [{ username: 'carol', password: 'short' }, 'password'],
    [{ username: 'carol', password: 'p'.repeat(129) }, 'password'],
    [{ username: 'carol' }, 'password'],
    [{ username: 'carol', password: 'password123', admin: true }, 'admin'],
  ])('rejects %j with 422 on %s', async (payload, field) => {
    const res = await post('/auth/register', payload);
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });
});

describe('login', () => {
  it('returns the token pair shape', async () => {
    await post('/auth/register', { username: 'dave', password: 'password123' });
    const res = await post('/auth/login', { username: 'DAVE', password: 'password123' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 1800,
      refresh_expires_in: 604800,
    });
  });

  it('answers the same 401 for unknown user and wrong password', async () => {
    await post('/auth/register', { username: 'erin', password: 'password123' });
    const wrong = await post('/auth/login', { username: 'erin', password: 'password124' });
    const unknown = await post('/auth/login', { username: 'nobody_here', password: 'password123' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error).toBe(unknown.json().error);
    expect(wrong.json().code).toBe('authentication_failed');
  });
});

describe('access tokens', () => {
  it('me returns the user for a valid token', async () => {
    const user = await createUser(t.app);
    const res = await me(user.token);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.username).toBe(user.username);
  });

  it('rejects a missing, malformed or forged token', async () => {
    const user = await createUser(t.app);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await me('not-a-jwt')).statusCode).toBe(401);
    const [header, payload] = user.token.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', 'wrong-secret-wrong-secret-wrong-secret').update(`${header}.${payload}`).digest('base64url')}`;
    expect((await me(forged)).statusCode).toBe(401);
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${b64url({ ...claims, sub: '000000000000000000000000' })}.${user.token.split('.')[2]}`;
    expect((await me(tampered)).statusCode).toBe(401);
  });

  it('rejects alg:none', async () => {
    const user = await createUser(t.app);
    const claims = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString());
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const res = await me(none);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('rejects an expired token', async () => {
    const user = await createUser(t.app);
    const { createTokenCodec } = await import('../../src/lib/jwt.js');
    const secret = (await import('node:fs')).readFileSync(`${t.dataDir}/jwt-secret`, 'utf8').trim();
    const past = createTokenCodec(secret, () => Date.now() - 2 * 3600_000).sign('access', { sub: user.id, jti: 'a'.repeat(24), fam: 'b'.repeat(24) });
    expect((await me(past.token)).statusCode).toBe(401);
    const fresh = createTokenCodec(secret).sign('access', { sub: user.id, jti: 'c'.repeat(24), fam: 'd'.repeat(24) });
    expect((await me(fresh.token)).statusCode).toBe(200);
  });

  it('does not accept a refresh token as an access token, nor the reverse', async () => {
    const user = await createUser(t.app);
    expect((await me(user.refreshToken)).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: user.token })).statusCode).toBe(401);
  });
});

describe('refresh rotation', () => {
  it('rotates: the new pair works, the used refresh token is spent', async () => {
    const user = await createUser(t.app);
    const first = await post('/auth/refresh', { refresh_token: user.refreshToken });
    expect(first.statusCode).toBe(200);
    const pair = first.json().data;
    expect(pair.refresh_token).not.toBe(user.refreshToken);
    expect((await me(pair.access_token)).statusCode).toBe(200);
    const second = await post('/auth/refresh', { refresh_token: pair.refresh_token });
    expect(second.statusCode).toBe(200);
  });

  it('reuse of a spent refresh token revokes the whole family', async () => {
    const user = await createUser(t.app);
    const rotated = (await post('/auth/refresh', { refresh_token: user.refreshToken })).json().data;
    const replay = await post('/auth/refresh', { refresh_token: user.refreshToken });
    expect(replay.statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: rotated.refresh_token })).statusCode).toBe(401);
    expect((await me(rotated.access_token)).statusCode).toBe(401);
    expect((await me(user.token)).statusCode).toBe(401);
  });

  it('two racing refreshes with one token: at most one succeeds', async () => {
    const user = await createUser(t.app);
    const results = await Promise.all([1, 2].map(() => post('/auth/refresh', { refresh_token: user.refreshToken })));
    expect(results.filter((res) => res.statusCode === 200).length).toBeLessThanOrEqual(1);
  });
});

describe('logout', () => {
  it('revokes the access token and its refresh family, other sessions stay', async () => {
    const user = await createUser(t.app);
    const other = (await post('/auth/login', { username: user.username, password: user.password })).json().data;
    const res = await post('/auth/logout', {}, user.auth);
    expect(res.statusCode).toBe(200);
    expect((await me(user.token)).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
    expect((await me(other.access_token)).statusCode).toBe(200);
  });
});

describe('change-password', () => {
  it('needs the current password and revokes every older token', async () => {
    const user = await createUser(t.app);
    const wrong = await post('/auth/change-password', { current_password: 'nope-nope', new_password: 'new-password-1' }, user.auth);
    expect(wrong.statusCode).toBe(401);
    const weak = await post('/auth/change-password', { current_password: user.password, new_password: 'short' }, user.auth);
    expect(weak.statusCode).toBe(422);
    const res = await post('/auth/change-password', { current_password: user.password, new_password: 'new-password-1' }, user.auth);
    expect(res.statusCode).toBe(200);
    expect((await me(user.token)).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
    expect((await post('/auth/login', { username: user.username, password: user.password })).statusCode).toBe(401);
    const login = await post('/auth/login', { username: user.username, password: 'new-password-1' });
    expect(login.statusCode).toBe(200);
    expect((await me(login.json().data.access_token)).statusCode).toBe(200);
  });
});
