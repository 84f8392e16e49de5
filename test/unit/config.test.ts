import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRateLimit } from '../../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      dataDir: path.resolve('./data'),
      mongodbDb: 'inkframe',
      corsOrigins: ['http://localhost:3000', 'http://localhost:5173'],
      imageProvider: 'sketch',
      textProvider: 'template',
      logLevel: 'info',
      role: 'all',
      rateLimitDefault: { max: 1000, windowMs: 3_600_000 },
      rateLimitGeneration: { max: 10, windowMs: 60_000 },
      maxUploadBytes: 10_485_760,
      maxImagePixels: 64_000_000,
      bcryptRounds: 12,
      loginMaxFailures: 5,
      loginMaxFailuresPerIp: 50,
      loginLockoutSeconds: 60,
      registrationLimit: { max: 20, windowMs: 3_600_000 },
      docsEnabled: true,
      maxActiveJobsPerUser: 20,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ IMAGE_PROVIDER: 'dalle' }, 'IMAGE_PROVIDER'],
    [{ TEXT_PROVIDER: 'x' }, 'TEXT_PROVIDER'],
    [{ MONGODB_URL: 'http://x' }, 'MONGODB_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ RATE_LIMIT_DEFAULT: 'lots' }, 'RATE_LIMIT_DEFAULT'],
    [{ RATE_LIMIT_GENERATION: '0/minute' }, 'RATE_LIMIT_GENERATION'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ ROLE: 'worker' }, 'ROLE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MAX_UPLOAD_BYTES: '-5' }, 'MAX_UPLOAD_BYTES'],
    [{ IMAGE_PROVIDER: 'comfyui' }, 'COMFYUI_URL'],
    [{ IMAGE_PROVIDER: 'automatic1111' }, 'A1111_URL'],
    [{ LOGIN_MAX_FAILURES: '0' }, 'LOGIN_MAX_FAILURES'],
    [{ LOGIN_MAX_FAILURES_PER_IP: 'many' }, 'LOGIN_MAX_FAILURES_PER_IP'],
    [{ LOGIN_MAX_FAILURES: '10', LOGIN_MAX_FAILURES_PER_IP: '5' }, 'LOGIN_MAX_FAILURES_PER_IP'],
    [{ LOGIN_LOCKOUT_SECONDS: '0' }, 'LOGIN_LOCKOUT_SECONDS'],
    [{ LOGIN_LOCKOUT_SECONDS: '86401' }, 'LOGIN_LOCKOUT_SECONDS'],
    [{ REGISTRATION_LIMIT: '20 per hour' }, 'REGISTRATION_LIMIT'],
    [{ DOCS_ENABLED: 'maybe' }, 'DOCS_ENABLED'],
    [{ MAX_ACTIVE_JOBS_PER_USER: '0' }, 'MAX_ACTIVE_JOBS_PER_USER'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '11' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.1, proxy.example' }, 'TRUST_PROXY'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('reads the security knobs', () => {
    const config = loadConfig({
      LOGIN_MAX_FAILURES: '3',
      LOGIN_MAX_FAILURES_PER_IP: '3',
      LOGIN_LOCKOUT_SECONDS: '30',
      REGISTRATION_LIMIT: '5/minute',
      DOCS_ENABLED: 'false',
      MAX_ACTIVE_JOBS_PER_USER: '4',
    });
    expect(config).toMatchObject({ loginMaxFailures: 3, loginMaxFailuresPerIp: 3, loginLockoutSeconds: 30, registrationLimit: { max: 5, windowMs: 60_000 }, docsEnabled: false, maxActiveJobsPerUser: 4 });
    for (const on of ['true', '1', 'YES', 'on']) expect(loadConfig({ DOCS_ENABLED: on }).docsEnabled).toBe(true);
    for (const off of ['False', '0', 'no', 'off']) expect(loadConfig({ DOCS_ENABLED: off }).docsEnabled).toBe(false);
  });

  it('trusts no proxy unless told which', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
  });

  it('never echoes credentials of a bad URL', () => {
    expect(() => loadConfig({ MONGODB_URL: 'http://user:hunter2@host' })).toThrow(ConfigError);
    try {
      loadConfig({ MONGODB_URL: 'http://user:hunter2@host' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('parses rate limits', () => {
    expect(parseRateLimit('X', '5/second')).toEqual({ max: 5, windowMs: 1000, text: '5/second' });
    expect(parseRateLimit('X', '100 / day').windowMs).toBe(86_400_000);
  });
});
