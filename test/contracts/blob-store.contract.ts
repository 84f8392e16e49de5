/**
 * The BlobStore contract, tested only through the port. `open` must return an empty store;
 * it is called before every test and `close` after it.
 */
import { readFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/ports/blob-store.js';

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function drain(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listed(blobs: BlobStore) {
  const all = [];
  for await (const blob of blobs.list()) all.push(blob);
  return all;
}

async function* chunksOf(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export function blobStoreContract(name: string, open: () => Promise<BlobStore> | BlobStore, close: (blobs: BlobStore) => Promise<void> = async () => undefined) {
  describe(`BlobStore contract: ${name}`, () => {
    let blobs: BlobStore;
    beforeEach(async () => {
      blobs = await open();
    });
    afterEach(() => close(blobs));

    it('stores bytes under their sha256 and gives them back', async () => {
      const data = randomBytes(70_000);
      expect(await blobs.put(data)).toEqual({ sha256: sha(data), size: data.length });
      expect((await blobs.read(sha(data)))!.equals(data)).toBe(true);
      expect(await blobs.size(sha(data))).toBe(data.length);
      const opened = (await blobs.open(sha(data)))!;
      expect(opened.size).toBe(data.length);
      expect((await drain(opened.stream)).equals(data)).toBe(true);
    });

    it('stores identical bytes once', async () => {
      const data = randomBytes(1000);
      await blobs.put(data);
      await blobs.put(Buffer.from(data));
      await blobs.put(chunksOf(data, 100));
      expect((await listed(blobs)).map((blob) => blob.sha256)).toEqual([sha(data)]);
    });

    it('takes a hash the caller already computed, and stores identical bytes once with it', async () => {
      const data = randomBytes(5_000);
      expect(await blobs.put(data, { sha256: sha(data) })).toEqual({ sha256: sha(data), size: data.length });
      await blobs.put(data);
      expect((await listed(blobs)).map((blob) => blob.sha256)).toEqual([sha(data)]);
      expect((await blobs.read(sha(data)))!.equals(data)).toBe(true);
      // A hash is a file name: anything but 64 hex digits never reaches the filesystem.
      await expect(blobs.put(data, { sha256: '../../etc/passwd' })).rejects.toThrow();
    });

    it('hashes a stream while storing it, the same as a buffer', async () => {
      const data = randomBytes(300_000);
      expect(await blobs.put(chunksOf(data, 65_536))).toEqual({ sha256: sha(data), size: data.length });
      expect((await blobs.read(sha(data)))!.equals(data)).toBe(true);
    });

    it('stores nothing when the stream fails, and leaves no temp file behind', async () => {
      async function* failing() {
        yield randomBytes(1000);
        throw new Error('client went away');
      }
      await expect(blobs.put(failing())).rejects.toThrow('client went away');
      expect(await listed(blobs)).toEqual([]);
      expect(await blobs.removeStaleTemp(0)).toBe(0);
    });

    it('stages a stream in a readable file, stores it on commit and drops it on discard', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 7);
      const staged = await blobs.stage(chunksOf(data, 65_536));
      expect({ sha256: staged.sha256, size: staged.size }).toEqual({ sha256: sha(data), size: data.length });
      expect((await readFile(staged.file)).equals(data)).toBe(true);
      expect(await listed(blobs)).toEqual([]);
      expect(await staged.commit()).toEqual({ sha256: sha(data), size: data.length });
      expect((await blobs.read(sha(data)))!.equals(data)).toBe(true);
      await expect(staged.discard()).rejects.toThrow(/already/);

      const dropped = await blobs.stage(chunksOf(randomBytes(1000), 100));
      await dropped.discard();
      expect((await listed(blobs)).map((blob) => blob.sha256)).toEqual([sha(data)]);
      expect(await blobs.removeStaleTemp(0)).toBe(0);
    });

    it('commits bytes it already holds without a second copy', async () => {
      const data = randomBytes(2000);
      await blobs.put(data);
      const again = await blobs.stage(chunksOf(data, 500));
      expect(await again.commit()).toEqual({ sha256: sha(data), size: data.length });
      expect(await listed(blobs)).toHaveLength(1);
      expect(await blobs.removeStaleTemp(0)).toBe(0);
    });

    it('stops staging at once when its signal is aborted, with the reason, leaving nothing', async () => {
      const refused = new AbortController();
      async function* slow() {
        yield randomBytes(1000);
        refused.abort(new Error('too large'));
        // A source that stalls (a client that stopped sending).
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        yield randomBytes(10);
      }
      const started = performance.now();
      await expect(blobs.stage(slow(), { signal: refused.signal })).rejects.toThrow('too large');
      expect(performance.now() - started).toBeLessThan(2_000);
      await expect(blobs.stage(chunksOf(randomBytes(10), 5), { signal: refused.signal })).rejects.toThrow('too large');
      expect(await listed(blobs)).toEqual([]);
      expect(await blobs.removeStaleTemp(0)).toBe(0);
    });

    it('answers null for what it does not hold', async () => {
      const missing = sha(Buffer.from('missing'));
      expect(await blobs.read(missing)).toBeNull();
      expect(await blobs.open(missing)).toBeNull();
      expect(await blobs.size(missing)).toBeNull();
      expect(await blobs.size(missing, 'thumbnail')).toBeNull();
      await blobs.remove(missing);
    });

    it('keeps variants next to the original and removes them with it', async () => {
      const data = randomBytes(500);
      const { sha256 } = await blobs.put(data);
      const thumb = randomBytes(50);
      await blobs.putVariant(sha256, 'thumbnail', thumb);
      expect((await blobs.read(sha256, 'thumbnail'))!.equals(thumb)).toBe(true);
      expect((await blobs.open(sha256, 'thumbnail'))!.size).toBe(50);
      const replaced = randomBytes(60);
      await blobs.putVariant(sha256, 'thumbnail', replaced);
      expect((await blobs.read(sha256, 'thumbnail'))!.equals(replaced)).toBe(true);

      await blobs.remove(sha256, 'thumbnail');
      expect(await blobs.size(sha256, 'thumbnail')).toBeNull();
      expect(await blobs.size(sha256)).toBe(500);
      await blobs.putVariant(sha256, 'thumbnail', thumb);
      await blobs.remove(sha256);
      expect(await blobs.size(sha256)).toBeNull();
      expect(await blobs.size(sha256, 'thumbnail')).toBeNull();
      expect(await listed(blobs)).toEqual([]);
    });

    it('lists every hash once, including a variant whose original is gone', async () => {
      const a = await blobs.put(randomBytes(10));
      const b = await blobs.put(randomBytes(10));
      await blobs.putVariant(a.sha256, 'thumbnail', randomBytes(5));
      const orphanVariant = sha(Buffer.from('gone'));
      await blobs.putVariant(orphanVariant, 'thumbnail', randomBytes(5));
      const all = await listed(blobs);
      expect(all.map((blob) => blob.sha256).sort()).toEqual([a.sha256, b.sha256, orphanVariant].sort());
      for (const blob of all) expect(Math.abs(blob.modifiedAt - Date.now())).toBeLessThan(60_000);
    });

    it('refreshes the modification time when the same bytes are stored again', async () => {
      const data = randomBytes(10);
      await blobs.put(data);
      const [first] = await listed(blobs);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await blobs.put(data);
      const [second] = await listed(blobs);
      expect(second!.modifiedAt).toBeGreaterThan(first!.modifiedAt);
    });

    it('refuses anything but a sha256 as a key (no path ever comes from outside)', async () => {
      for (const bad of ['../../../etc/passwd', 'A'.repeat(64), `${'a'.repeat(63)}/`, '', 'a'.repeat(65)]) {
        await expect(blobs.read(bad)).rejects.toThrow();
        await expect(blobs.remove(bad)).rejects.toThrow();
        await expect(blobs.putVariant(bad, 'thumbnail', Buffer.from('x'))).rejects.toThrow();
      }
    });
  });
}
