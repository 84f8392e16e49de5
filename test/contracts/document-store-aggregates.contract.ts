/**
 * Projections, totals and `$contains` on array-indexed fields (registered by
 * document-store.contract.ts). `panels.speaker_ids` is declared with an array index in
 * ports/collections.ts, so `$contains` on it goes through the adapter's array index; the
 * answers must be exactly those of an unindexed field.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DocumentStore, Filter, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

type Loose = StoredDoc & Record<string, unknown>;

const DOCS: Omit<Loose, 'created_at' | 'updated_at' | 'version'>[] = [
  { id: hexId(1), group: 'a', n: 1, s: 'one', flag: true, nothing: null, list: ['x', 1], obj: { k: [1, { d: 2 }] }, text: 'long' },
  { id: hexId(2), group: 'a', n: 2.5, s: 'two', flag: false, list: [], text: 'longer' },
  { id: hexId(3), group: 'b', n: '7', text: 'other' },
  { id: hexId(4), group: 'a', n: true, s: '', obj: {} },
  { id: hexId(5), group: 'b', n: 10, s: 'five' },
];

const num = (id: string) => parseInt(id, 16);

export function aggregateContract(s: () => DocumentStore): void {
  describe('find with fields (projection)', () => {
    beforeEach(async () => {
      await s().insertMany<Loose>('items', DOCS);
    });

    it('returns id and the asked fields only, keeping JSON types and leaving missing fields out', async () => {
      const docs = await s().find<Loose>('items', {}, { fields: ['n', 's', 'flag', 'nothing', 'list', 'obj'] });
      expect(docs).toEqual([
        { id: hexId(1), n: 1, s: 'one', flag: true, nothing: null, list: ['x', 1], obj: { k: [1, { d: 2 }] } },
        { id: hexId(2), n: 2.5, s: 'two', flag: false, list: [] },
        { id: hexId(3), n: '7' },
        { id: hexId(4), n: true, s: '', obj: {} },
        { id: hexId(5), n: 10, s: 'five' },
      ]);
    });

    it('with no fields (or only id) returns ids; managed fields come only when asked', async () => {
      expect(await s().find('items', { group: 'b' }, { fields: [] })).toEqual([{ id: hexId(3) }, { id: hexId(5) }]);
      expect(await s().find('items', { group: 'b' }, { fields: ['id', 'id'] })).toEqual([{ id: hexId(3) }, { id: hexId(5) }]);
      const [doc] = await s().find<Loose>('items', { id: hexId(1) }, { fields: ['version', 'created_at'] });
      expect(Object.keys(doc!).sort()).toEqual(['created_at', 'id', 'version']);
      expect(doc!.version).toBe(1);
    });

    it('combines with filters, sort, skip and limit, and with findPage', async () => {
      const docs = await s().find<Loose>('items', { group: 'a' }, { fields: ['s'], sort: [{ field: 'text', direction: -1 }], skip: 1, limit: 1 });
      expect(docs).toEqual([{ id: hexId(1), s: 'one' }]);
      const page = await s().findPage<Loose>('items', { group: 'a' }, { fields: ['group'], limit: 2 });
      expect(page).toEqual({ total: 3, items: [{ id: hexId(1), group: 'a' }, { id: hexId(2), group: 'a' }] });
    });

    it('works inside a transaction and sees its uncommitted writes', async () => {
      await s().transaction(async (tx) => {
        await tx.update<Loose>('items', hexId(3), { s: 'changed' });
        expect(await tx.find('items', { group: 'b' }, { fields: ['s'] })).toEqual([{ id: hexId(3), s: 'changed' }, { id: hexId(5), s: 'five' }]);
      });
    });

    it('rejects invalid field names', async () => {
      await expect(s().find('items', {}, { fields: ['a b'] })).rejects.toThrow(/Invalid field name/);
      await expect(s().find('items', {}, { fields: ['$where'] })).rejects.toThrow(/Invalid field name/);
    });
  });

  describe('totals', () => {
    beforeEach(async () => {
      await s().insertMany<Loose>('items', DOCS);
    });

    it('counts the matches and sums numbers only (strings, booleans, missing add 0)', async () => {
      expect(await s().totals('items', {}, ['n'])).toEqual({ count: 5, sums: { n: 13.5 } });
      expect(await s().totals('items', { group: 'a' }, ['n', 'missing', 's'])).toEqual({ count: 3, sums: { n: 3.5, missing: 0, s: 0 } });
      expect(await s().totals('items', { group: 'b' }, ['n', 'n'])).toEqual({ count: 2, sums: { n: 10 } });
    });

    it('answers zeros when nothing matches, and only the count without sum fields', async () => {
      expect(await s().totals('items', { group: 'none' }, ['n'])).toEqual({ count: 0, sums: { n: 0 } });
      expect(await s().totals('never_written', {}, ['n'])).toEqual({ count: 0, sums: { n: 0 } });
      expect(await s().totals('items', { n: { $gte: 2 } }, [])).toEqual({ count: 2, sums: {} });
    });

    it('works inside a transaction, seeing its uncommitted writes', async () => {
      await s().transaction(async (tx) => {
        await tx.insert<Loose>('items', { id: hexId(9), group: 'b', n: 5 });
        expect(await tx.totals('items', { group: 'b' }, ['n'])).toEqual({ count: 3, sums: { n: 15 } });
      });
    });

    it('rejects invalid field names', async () => {
      await expect(s().totals('items', {}, ['a-b'])).rejects.toThrow(/Invalid field name/);
    });
  });

  describe('$contains on an array-indexed field', () => {
    const ARRAYS: [number, unknown][] = [
      [1, ['c1', 'c2']],
      [2, ['c2', 'c2']],
      [3, [1, true, null, 'c3']],
      [4, 'c1'],
      [5, [{ c1: 1 }, { c2: 'c2' }]],
      [6, '["c1"]'],
      [7, []],
    ];
    beforeEach(async () => {
      await s().insertMany<Loose>(
        'panels',
        ARRAYS.map(([n, value]) => ({ id: hexId(n), project_id: 'p', speaker_ids: value })),
      );
      await s().insert<Loose>('panels', { id: hexId(8), project_id: 'p' });
    });

    const ids = async (filter: Filter) => (await s().find('panels', filter, { fields: [] })).map((doc) => num(doc.id));
    const speaking = (value: string | number | boolean | null) => ids({ speaker_ids: { $contains: value } });

    it('matches elements of arrays only, with the usual type rules', async () => {
      expect(await speaking('c1')).toEqual([1]);
      expect(await speaking('c2')).toEqual([1, 2]);
      expect(await speaking(1)).toEqual([3]);
      expect(await speaking('1')).toEqual([]);
      expect(await speaking(true)).toEqual([3]);
      expect(await speaking(false)).toEqual([]);
      expect(await speaking(null)).toEqual([3]);
      expect(await speaking('nobody')).toEqual([]);
      expect(await ids({ speaker_ids: { $contains: 'c2' }, project_id: 'p' })).toEqual([1, 2]);
      expect(await s().count('panels', { speaker_ids: { $contains: 'c2' } })).toBe(2);
    });

    it('follows updates, deletes and deleteMany', async () => {
      await s().update<Loose>('panels', hexId(2), { speaker_ids: ['c1'] });
      await s().update<Loose>('panels', hexId(4), { speaker_ids: ['c1', 'c9'] });
      await s().update<Loose>('panels', hexId(1), { other: 'unrelated change' });
      expect(await speaking('c1')).toEqual([1, 2, 4]);
      expect(await speaking('c2')).toEqual([1]);
      await s().update<Loose>('panels', hexId(1), { speaker_ids: '["c1"]' });
      expect(await speaking('c1')).toEqual([2, 4]);
      expect(await s().delete('panels', hexId(2))).toBe(true);
      expect(await s().deleteMany('panels', { speaker_ids: { $contains: 'c9' } })).toBe(1);
      expect(await speaking('c1')).toEqual([]);
      await s().insert<Loose>('panels', { id: hexId(2), speaker_ids: ['c1'] });
      expect(await speaking('c1')).toEqual([2]);
    });

    it('is undone with a rolled back transaction', async () => {
      await expect(
        s().transaction(async (tx) => {
          await tx.update<Loose>('panels', hexId(1), { speaker_ids: ['c5'] });
          await tx.insert<Loose>('panels', { id: hexId(9), speaker_ids: ['c5'] });
          await tx.delete('panels', hexId(2));
          expect(await tx.find('panels', { speaker_ids: { $contains: 'c5' } }, { fields: [] })).toHaveLength(2);
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await speaking('c5')).toEqual([]);
      expect(await speaking('c2')).toEqual([1, 2]);
    });
  });
}
