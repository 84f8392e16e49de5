import { describe, expect, it } from 'vitest';
import { createFairQueue } from '../../src/lib/fair-queue.js';

const drain = <T>(queue: { next(): T | undefined }) => {
  const out: T[] = [];
  for (let item = queue.next(); item !== undefined; item = queue.next()) out.push(item);
  return out;
};

describe('fair queue', () => {
  it('is FIFO for one key', () => {
    const q = createFairQueue<string>();
    for (const item of ['a1', 'a2', 'a3']) q.push('a', item);
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual(['a1', 'a2', 'a3']);
    expect(q.size).toBe(0);
    expect(q.next()).toBeUndefined();
  });

  it('alternates between keys in the order they first arrived, keeping each key in order', () => {
    const q = createFairQueue<string>();
    for (const item of ['a1', 'a2', 'a3', 'a4']) q.push('a', item);
    q.push('b', 'b1');
    q.push('c', 'c1');
    q.push('b', 'b2');
    expect(drain(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
  });

  it('puts a key that comes back after emptying at the end of the rotation', () => {
    const q = createFairQueue<string>();
    q.push('a', 'a1');
    q.push('b', 'b1');
    q.push('b', 'b2');
    expect(q.next()).toBe('a1');
    q.push('c', 'c1');
    q.push('a', 'a2');
    expect(drain(q)).toEqual(['b1', 'c1', 'a2', 'b2']);
  });

  it('removes a waiting item, and a key left empty leaves the rotation', () => {
    const q = createFairQueue<string>();
    q.push('a', 'a1');
    q.push('b', 'b1');
    q.push('a', 'a2');
    expect(q.remove((item) => item === 'b1')).toBe(true);
    expect(q.remove((item) => item === 'zz')).toBe(false);
    expect(q.size).toBe(2);
    q.push('b', 'b2');
    expect(drain(q)).toEqual(['a1', 'b2', 'a2']);
  });
});
