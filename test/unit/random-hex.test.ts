import { describe, expect, it } from 'vitest';
import { randomHex } from '../../src/lib/random-hex.js';

describe('randomHex', () => {
  it('returns 2 hex characters per byte', () => {
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('never repeats an id across pool refills', () => {
    // 2,000 x 24 bytes is about a dozen refills of the 4 KiB pool.
    const ids = Array.from({ length: 2000 }, () => randomHex(16) + randomHex(8));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{48}$/.test(id))).toBe(true);
  });

  it('refuses more bytes than the pool holds', () => {
    expect(() => randomHex(5000)).toThrow(RangeError);
  });
});
