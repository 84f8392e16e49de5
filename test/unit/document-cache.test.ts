import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../src/adapters/sqlite/document-cache.js';

describe('DocumentCache', () => {
  it('keeps documents by collection and id', () => {
    const cache = new DocumentCache(1000);
    cache.set('panels', 'a', '{"v":1}');
    cache.set('scenes', 'a', '{"v":2}');
    expect(cache.get('panels', 'a')).toBe('{"v":1}');
    expect(cache.get('scenes', 'a')).toBe('{"v":2}');
    expect(cache.get('panels', 'b')).toBeUndefined();
    cache.forget('panels', 'a');
    expect(cache.get('panels', 'a')).toBeUndefined();
    expect(cache.size).toEqual({ documents: 1, chars: 7 });
  });

  it('stays within its character budget, dropping the least recently read first', () => {
    const cache = new DocumentCache(200);
    const doc = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(2) });
    for (let i = 0; i < 5; i++) cache.set('c', String(i), doc(i));
    expect(cache.get('c', '0')).toBe(doc(0));
    for (let i = 5; i < 20; i++) cache.set('c', String(i), doc(i));
    expect(cache.size.chars).toBeLessThanOrEqual(200);
    expect(cache.get('c', '19')).toBe(doc(19));
    expect(cache.get('c', '1')).toBeUndefined();
    cache.set('c', '19', doc(190));
    expect(cache.get('c', '19')).toBe(doc(190));
    expect(cache.size.chars).toBeLessThanOrEqual(200);
  });

  it('does not keep a document larger than an eighth of the budget, and clears', () => {
    const cache = new DocumentCache(80);
    cache.set('c', 'big', 'x'.repeat(11));
    expect(cache.get('c', 'big')).toBeUndefined();
    cache.set('c', 'small', 'x'.repeat(10));
    cache.clear();
    expect(cache.size).toEqual({ documents: 0, chars: 0 });
  });
});
