import { describe, expect, it } from 'vitest';
import { createTokenCodec } from '../../src/lib/jwt.js';

const SECRET = 'x'.repeat(40);
const ids = { sub: 'a'.repeat(24), jti: 'b'.repeat(24), fam: 'c'.repeat(24) };

describe('token codec', () => {
  it('verifies a token (again from the cache) and keeps the claims read-only', () => {
    const codec = createTokenCodec(SECRET);
    const { token } = codec.sign('access', ids);
    const first = codec.verify(token, 'access');
    expect(first).toMatchObject({ sub: ids.sub, typ: 'access' });
    expect(codec.verify(token, 'access')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('still refuses the wrong type, a tampered token and another secret after a valid token was cached', () => {
    const codec = createTokenCodec(SECRET);
    const { token } = codec.sign('access', ids);
    expect(codec.verify(token, 'access')).not.toBeNull();
    expect(codec.verify(token, 'refresh')).toBeNull();
    const [head, body, sig] = token.split('.');
    expect(codec.verify(`${head}.${body}.${sig!.slice(0, -2)}AA`, 'access')).toBeNull();
    expect(createTokenCodec('y'.repeat(40)).verify(token, 'access')).toBeNull();
  });

  it('refuses an expired token', () => {
    const past = createTokenCodec(SECRET, () => Date.now() - 2 * 3600_000);
    const { token } = past.sign('access', ids);
    expect(past.verify(token, 'access')).toBeNull();
    expect(createTokenCodec(SECRET).verify(token, 'access')).toBeNull();
  });
});
