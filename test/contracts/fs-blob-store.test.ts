import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/files/fs-blob-store.js';
import { blobStoreContract } from './blob-store.contract.js';

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'inkframe-blobs-'));
  roots.push(root);
  return root;
}

blobStoreContract(
  'filesystem',
  async () => createFsBlobStore(path.join(await freshRoot(), 'images')),
  async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  },
);

describe('filesystem blob store specifics', () => {
  let root: string;
  beforeEach(async () => {
    root = path.join(await freshRoot(), 'images');
  });
  afterEach(async () => {
    for (const dir of roots.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('lays files out by hash only, and leaves no temp file after a write', async () => {
    const blobs = createFsBlobStore(root);
    const data = randomBytes(100);
    const { sha256 } = await blobs.put(data);
    await blobs.putVariant(sha256, 'thumbnail', randomBytes(10));
    expect(sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await readdir(path.join(root, 'originals', sha256.slice(0, 2)))).toEqual([sha256]);
    expect(await readdir(path.join(root, 'thumbnails', sha256.slice(0, 2)))).toEqual([`${sha256}.webp`]);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('ignores files it did not name, and removes only stale temp files', async () => {
    const blobs = createFsBlobStore(root);
    await mkdir(path.join(root, 'originals', 'zz'), { recursive: true });
    await writeFile(path.join(root, 'originals', 'zz', 'notes.txt'), 'x');
    await mkdir(path.join(root, 'originals', 'ab'), { recursive: true });
    await writeFile(path.join(root, 'originals', 'ab', 'abc'), 'x');
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    const stale = path.join(root, 'tmp', 'old.part');
    await writeFile(stale, 'half');
    const old = new Date(Date.now() - 3 * 3600_000);
    await utimes(stale, old, old);
    await writeFile(path.join(root, 'tmp', 'new.part'), 'writing');

    const listed = [];
    for await (const blob of blobs.list()) listed.push(blob);
    expect(listed).toEqual([]);
    expect(await blobs.removeStaleTemp(3600_000)).toBe(1);
    expect(await readdir(path.join(root, 'tmp'))).toEqual(['new.part']);
  });

  it('writes the bytes again when they were removed behind its back (directory and all)', async () => {
    const blobs = createFsBlobStore(root);
    const data = randomBytes(10);
    const { sha256 } = await blobs.put(data);
    await rm(path.join(root, 'originals'), { recursive: true });
    expect(await blobs.size(sha256)).toBeNull();
    await blobs.put(data);
    expect((await blobs.read(sha256))!.equals(data)).toBe(true);
  });
});
