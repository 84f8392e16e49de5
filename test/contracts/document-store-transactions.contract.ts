/** Transaction cases of the DocumentStore contract (registered by document-store.contract.ts). */
import { describe, expect, it } from 'vitest';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

interface Counter extends StoredDoc {
  n: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise with its resolve function, to hold a transaction open while the test looks around. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export function transactionContract(s: () => DocumentStore): void {
  describe('transaction', () => {
    it('commits all writes together and returns the value of fn', async () => {
      await s().insert<Counter>('counters', { id: hexId(1), n: 0 });
      const result = await s().transaction(async (tx) => {
        await tx.insert<Counter>('counters', { id: hexId(2), n: 5 });
        await tx.update<Counter>('counters', hexId(1), { n: 1 });
        expect((await tx.get<Counter>('counters', hexId(2)))?.n).toBe(5);
        expect(await tx.count('counters', { n: { $gte: 1 } })).toBe(2);
        return 'done';
      });
      expect(result).toBe('done');
      expect((await s().get<Counter>('counters', hexId(1)))?.n).toBe(1);
      expect((await s().get<Counter>('counters', hexId(2)))?.n).toBe(5);
    });

    it('takes operations issued in parallel inside a transaction one at a time, and undoes them all on failure', async () => {
      await s().insertMany<Counter>('counters', [1, 2, 3].map((i) => ({ id: hexId(i), n: 0 })));
      await s().transaction(async (tx) => {
        const [, , , found] = await Promise.all([
          tx.update<Counter>('counters', hexId(1), { n: 1 }),
          tx.update<Counter>('counters', hexId(2), { n: 2 }),
          tx.insert<Counter>('counters', { id: hexId(4), n: 4 }),
          tx.find<Counter>('counters', {}, { sort: [{ field: 'n', direction: 1 }] }),
        ]);
        // Issued last, so it runs after the three writes.
        expect(found.map((doc) => doc.n)).toEqual([0, 1, 2, 4]);
      });
      expect((await s().find<Counter>('counters', {})).map((doc) => doc.n).sort()).toEqual([0, 1, 2, 4]);

      await expect(
        s().transaction(async (tx) => {
          await Promise.all([tx.update<Counter>('counters', hexId(1), { n: 10 }), tx.delete('counters', hexId(2)), tx.insert<Counter>('counters', { id: hexId(5), n: 5 })]);
          throw new Error('undo all three');
        }),
      ).rejects.toThrow('undo all three');
      expect((await s().find<Counter>('counters', {})).map((doc) => doc.n).sort()).toEqual([0, 1, 2, 4]);
    });

    it('rolls every write back and rethrows when fn throws', async () => {
      await s().insertMany<Counter>('counters', [
        { id: hexId(1), n: 0 },
        { id: hexId(2), n: 0 },
      ]);
      const failure = new Error('boom');
      await expect(
        s().transaction(async (tx) => {
          await tx.insert<Counter>('counters', { id: hexId(3), n: 1 });
          await tx.insertMany<Counter>('counters', [{ id: hexId(4), n: 1 }]);
          await tx.update<Counter>('counters', hexId(1), { n: 1 });
          await tx.delete('counters', hexId(2));
          await tx.insert('other_collection', { id: hexId(5) });
          throw failure;
        }),
      ).rejects.toBe(failure);
      const all = await s().find<Counter>('counters', {});
      expect(all.map((d) => [d.id, d.n, d.version])).toEqual([
        [hexId(1), 0, 1],
        [hexId(2), 0, 1],
      ]);
      expect(await s().count('other_collection', {})).toBe(0);
    });

    it('makes root reads wait until it ends, never showing uncommitted data', async () => {
      const held = gate();
      const written = gate();
      const events: string[] = [];
      const tx = s().transaction(async (t) => {
        await t.insert<Counter>('counters', { id: hexId(1), n: 1 });
        written.open();
        await held.promise;
        events.push('tx end');
        throw new Error('rollback');
      });
      await written.promise;
      const read = s()
        .get<Counter>('counters', hexId(1))
        .then((doc) => (events.push('read'), doc));
      const counted = s()
        .count('counters', {})
        .then((n) => (events.push('count'), n));
      await sleep(30);
      expect(events).toEqual([]);
      held.open();
      await expect(tx).rejects.toThrow('rollback');
      expect(await read).toBeNull();
      expect(await counted).toBe(0);
      expect(events).toEqual(['tx end', 'read', 'count']);
    });

    it('makes root writes wait and keeps them out of the transaction', async () => {
      const held = gate();
      const written = gate();
      const tx = s().transaction(async (t) => {
        await t.insert<Counter>('counters', { id: hexId(1), n: 1 });
        written.open();
        await held.promise;
        expect(await t.get('counters', hexId(2))).toBeNull();
        throw new Error('rollback');
      });
      await written.promise;
      const rootWrite = s().insert<Counter>('counters', { id: hexId(2), n: 2 });
      await sleep(20);
      held.open();
      await expect(tx).rejects.toThrow('rollback');
      await rootWrite;
      expect((await s().find<Counter>('counters', {})).map((d) => d.id)).toEqual([hexId(2)]);
    });

    it('shows committed data to root operations that waited', async () => {
      const held = gate();
      const written = gate();
      const tx = s().transaction(async (t) => {
        await t.insert<Counter>('counters', { id: hexId(1), n: 1 });
        written.open();
        await held.promise;
      });
      await written.promise;
      const read = s().get<Counter>('counters', hexId(1));
      held.open();
      await tx;
      expect((await read)?.n).toBe(1);
    });

    it('runs concurrent transactions one after another', async () => {
      await s().insert<Counter>('counters', { id: hexId(1), n: 0 });
      const increment = () =>
        s().transaction(async (tx) => {
          const current = await tx.get<Counter>('counters', hexId(1));
          await sleep(5);
          await tx.update<Counter>('counters', hexId(1), { n: current!.n + 1 });
        });
      await Promise.all([increment(), increment(), increment()]);
      expect(await s().get<Counter>('counters', hexId(1))).toMatchObject({ n: 3, version: 4 });
    });

    it('nested transactions commit with the outer one', async () => {
      await s().transaction(async (tx) => {
        await tx.insert<Counter>('counters', { id: hexId(1), n: 1 });
        const inner = await tx.transaction(async (tx2) => {
          await tx2.insert<Counter>('counters', { id: hexId(2), n: 2 });
          return 'inner';
        });
        expect(inner).toBe('inner');
        expect(await tx.count('counters', {})).toBe(2);
      });
      expect(await s().count('counters', {})).toBe(2);
    });

    it('an error escaping a nested transaction rolls everything back', async () => {
      await expect(
        s().transaction(async (tx) => {
          await tx.insert<Counter>('counters', { id: hexId(1), n: 1 });
          await tx.transaction(async (tx2) => {
            await tx2.insert<Counter>('counters', { id: hexId(2), n: 2 });
            throw new Error('inner failure');
          });
        }),
      ).rejects.toThrow('inner failure');
      expect(await s().count('counters', {})).toBe(0);
    });

    it('a throwing outer transaction also undoes committed nested work', async () => {
      await expect(
        s().transaction(async (tx) => {
          await tx.transaction((tx2) => tx2.insert<Counter>('counters', { id: hexId(2), n: 2 }));
          throw new Error('outer failure');
        }),
      ).rejects.toThrow('outer failure');
      expect(await s().count('counters', {})).toBe(0);
    });
  });
}
