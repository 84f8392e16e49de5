/** Filter, sort and paging cases of the DocumentStore contract (registered by document-store.contract.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DocumentStore, Filter, FindOptions, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

interface Item extends StoredDoc {
  name: string;
  n?: unknown;
  flag?: boolean;
  tags?: unknown[];
  note?: string | null;
  at?: string;
  group?: string;
}

/** A small fixture with mixed types: a filter must never match across types (1 vs '1' vs true). */
const ITEMS: Omit<Item, 'created_at' | 'updated_at' | 'version'>[] = [
  { id: hexId(1), name: 'alpha', n: 1, flag: true, tags: ['x', 'y'], note: null, at: '2024-01-01T00:00:00.000Z', group: 'g1' },
  { id: hexId(2), name: 'beta', n: 2, flag: false, tags: ['y'], at: '2024-02-01T00:00:00.000Z', group: 'g2' },
  { id: hexId(3), name: 'gamma', n: 10, flag: true, tags: [], note: 'hi', at: '2024-03-01T00:00:00.000Z', group: 'g1' },
  { id: hexId(4), name: 'delta', n: '2', tags: [1, 2, true], note: 'yo', group: 'g2' },
  { id: hexId(5), name: 'eps', n: true, tags: ['x'], group: 'g1' },
  { id: hexId(6), name: 'zeta', n: 2.5, flag: false, note: 'x', at: '2024-02-15T12:00:00.000Z' },
];

interface Row extends StoredDoc {
  group: string;
  rank: number;
  label: string;
}

export function queryContract(s: () => DocumentStore): void {
  describe('find', () => {
    beforeEach(async () => {
      await s().insertMany<Item>('items', ITEMS);
    });

    const ids = async (filter: Filter, options?: FindOptions): Promise<number[]> =>
      (await s().find<Item>('items', filter, options)).map((d) => parseInt(d.id, 16));

    it('with an empty filter returns everything in id order', async () => {
      expect(await ids({})).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('matches equality on strings, numbers and booleans without crossing types', async () => {
      expect(await ids({ name: 'beta' })).toEqual([2]);
      expect(await ids({ n: 2 })).toEqual([2]);
      expect(await ids({ n: '2' })).toEqual([4]);
      expect(await ids({ n: 1 })).toEqual([1]);
      expect(await ids({ n: true })).toEqual([5]);
      expect(await ids({ n: 2.5 })).toEqual([6]);
      expect(await ids({ flag: true })).toEqual([1, 3]);
      expect(await ids({ flag: false })).toEqual([2, 6]);
      expect(await ids({ name: 'nobody' })).toEqual([]);
    });

    it('matches null equality against null and missing fields', async () => {
      expect(await ids({ note: null })).toEqual([1, 2, 5]);
      expect(await ids({ flag: null })).toEqual([4, 5]);
      expect(await ids({ missing_everywhere: null })).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('matches on id', async () => {
      expect(await ids({ id: hexId(3) })).toEqual([3]);
      expect(await ids({ id: { $in: [hexId(5), hexId(2), hexId(99)] } })).toEqual([2, 5]);
    });

    it('combines conditions with AND', async () => {
      expect(await ids({ group: 'g1', flag: true })).toEqual([1, 3]);
      expect(await ids({ group: 'g1', flag: true, n: 10 })).toEqual([3]);
    });

    it('supports $in with mixed values', async () => {
      expect(await ids({ n: { $in: [1, '2'] } })).toEqual([1, 4]);
      expect(await ids({ n: { $in: [true, 10, 'nope'] } })).toEqual([3, 5]);
      expect(await ids({ note: { $in: ['hi', null] } })).toEqual([1, 2, 3, 5]);
      expect(await ids({ flag: { $in: [false, null] } })).toEqual([2, 4, 5, 6]);
      expect(await ids({ n: { $in: [] } })).toEqual([]);
    });

    it('supports $ne, which also matches missing fields', async () => {
      expect(await ids({ flag: { $ne: true } })).toEqual([2, 4, 5, 6]);
      expect(await ids({ n: { $ne: 2 } })).toEqual([1, 3, 4, 5, 6]);
      expect(await ids({ group: { $ne: 'g1' } })).toEqual([2, 4, 6]);
      expect(await ids({ note: { $ne: null } })).toEqual([3, 4, 6]);
    });

    it('supports ranges on numbers, comparing only numbers', async () => {
      expect(await ids({ n: { $gt: 1 } })).toEqual([2, 3, 6]);
      expect(await ids({ n: { $gte: 1, $lt: 10 } })).toEqual([1, 2, 6]);
      expect(await ids({ n: { $lte: 2 } })).toEqual([1, 2]);
      expect(await ids({ n: { $gt: 100 } })).toEqual([]);
    });

    it('supports ranges on ISO strings', async () => {
      expect(await ids({ at: { $gte: '2024-02-01T00:00:00.000Z' } })).toEqual([2, 3, 6]);
      expect(await ids({ at: { $gt: '2024-02-01T00:00:00.000Z', $lt: '2024-03-01T00:00:00.000Z' } })).toEqual([6]);
      expect(await ids({ name: { $gte: 'd', $lt: 'f' } })).toEqual([4, 5]);
    });

    it('supports $contains on array fields', async () => {
      expect(await ids({ tags: { $contains: 'y' } })).toEqual([1, 2]);
      expect(await ids({ tags: { $contains: 'x' } })).toEqual([1, 5]);
      expect(await ids({ tags: { $contains: 2 } })).toEqual([4]);
      expect(await ids({ tags: { $contains: '2' } })).toEqual([]);
      expect(await ids({ tags: { $contains: true } })).toEqual([4]);
      expect(await ids({ tags: { $contains: 'nope' } })).toEqual([]);
      expect(await ids({ tags: { $contains: 'x' }, group: 'g1' })).toEqual([1, 5]);
    });

    it('findOne returns the first match in id order, or null', async () => {
      expect((await s().findOne<Item>('items', { group: 'g2' }))?.id).toBe(hexId(2));
      expect(await s().findOne('items', { group: 'none' })).toBeNull();
    });

    it('count counts matches', async () => {
      expect(await s().count('items', {})).toBe(6);
      expect(await s().count('items', { group: 'g1' })).toBe(3);
      expect(await s().count('items', { flag: { $ne: true } })).toBe(4);
      expect(await s().count('empty_collection', {})).toBe(0);
    });
  });

  describe('sort and pages', () => {
    // Inserted out of id order so that the id tie-break is visible.
    const ROWS: [number, string, number, string][] = [
      [7, 'b', 10, 'x'],
      [3, 'a', 2, 'y'],
      [5, 'b', 2, 'z'],
      [1, 'a', 10, 'Z'],
      [4, 'b', 2, 'a'],
      [2, 'a', 2, 'b'],
    ];
    beforeEach(async () => {
      for (const [id, group, rank, label] of ROWS) {
        await s().insert<Row>('rows', { id: hexId(id), group, rank, label });
      }
    });

    const ids = async (options: FindOptions, filter: Filter = {}): Promise<number[]> =>
      (await s().find('rows', filter, options)).map((d) => parseInt(d.id, 16));

    it('sorts numbers numerically and strings by code point, ties broken by id', async () => {
      expect(await ids({ sort: [{ field: 'rank', direction: 1 }] })).toEqual([2, 3, 4, 5, 1, 7]);
      expect(await ids({ sort: [{ field: 'rank', direction: -1 }] })).toEqual([1, 7, 2, 3, 4, 5]);
      expect(await ids({ sort: [{ field: 'label', direction: 1 }] })).toEqual([1, 4, 2, 7, 3, 5]);
    });

    it('sorts by several keys in order', async () => {
      const sort = [
        { field: 'group', direction: 1 as const },
        { field: 'rank', direction: -1 as const },
      ];
      expect(await ids({ sort })).toEqual([1, 2, 3, 7, 4, 5]);
      expect(await ids({ sort: [{ field: 'group', direction: -1 }, { field: 'rank', direction: 1 }] })).toEqual([4, 5, 7, 2, 3, 1]);
    });

    it('sorts by id when asked', async () => {
      expect(await ids({ sort: [{ field: 'id', direction: -1 }] })).toEqual([7, 5, 4, 3, 2, 1]);
    });

    it('applies skip and limit after sorting', async () => {
      const sort = [{ field: 'rank', direction: 1 as const }];
      expect(await ids({ sort, limit: 2 })).toEqual([2, 3]);
      expect(await ids({ sort, skip: 2, limit: 3 })).toEqual([4, 5, 1]);
      expect(await ids({ sort, skip: 4 })).toEqual([1, 7]);
      expect(await ids({ sort, skip: 10, limit: 5 })).toEqual([]);
      expect(await ids({ skip: 1, limit: 2 }, { group: 'a' })).toEqual([2, 3]);
    });

    it('findPage returns one page and the total ignoring skip and limit', async () => {
      const page = await s().findPage('rows', { group: 'b' }, { sort: [{ field: 'rank', direction: 1 }], skip: 1, limit: 2 });
      expect(page.total).toBe(3);
      expect(page.items.map((d) => parseInt(d.id, 16))).toEqual([5, 7]);
      const beyond = await s().findPage('rows', {}, { skip: 100, limit: 10 });
      expect(beyond).toEqual({ items: [], total: 6 });
    });
  });
}
