/**
 * The backup archive format on its own: the tar writer/reader round trip (plain and gzipped,
 * sizes around the 512-byte block), the reader's refusals, and the manifest checks that keep
 * unexpected names out of DATA_DIR.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarFile, readTarFile } from '../../src/adapters/backup/tar.js';
import { FORMAT, FORMAT_VERSION, imageEntryName, imageHashOf, parseManifest } from '../../src/adapters/backup/manifest.js';

let dir = '';
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'inkframe-tar-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(file: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  await readTarFile(file, async (entry) => {
    const parts: Buffer[] = [];
    for await (const chunk of entry.body) parts.push(chunk);
    entries.set(entry.name, Buffer.concat(parts));
  });
  return entries;
}

describe('backup tar', () => {
  for (const gzip of [false, true]) {
    it(`round-trips entries of every size around a block (${gzip ? 'gzipped' : 'plain'})`, async () => {
      const file = path.join(dir, `round.${gzip ? 'tar.gz' : 'tar'}`);
      const tar = await createTarFile(file, gzip);
      const contents = new Map([0, 1, 511, 512, 513, 70_000].map((size, i) => [`entry-${i}`, Buffer.alloc(size, i + 1)]));
      for (const [name, data] of contents) {
        // Streamed in uneven pieces, as files are.
        const pieces = [data.subarray(0, 7), data.subarray(7)];
        expect(await tar.add(name, data.length, pieces)).toBe(sha(data));
      }
      await tar.finish();
      expect(await readAll(file)).toEqual(contents);
      const head = await readFile(file);
      expect(head[0] === 0x1f && head[1] === 0x8b).toBe(gzip);
    });
  }

  it('refuses a source whose length differs from the declared size', async () => {
    const tar = await createTarFile(path.join(dir, 'short.tar'), false);
    await expect(tar.add('short', 10, [Buffer.alloc(4)])).rejects.toThrow('shrank');
    await tar.abort();
    const again = await createTarFile(path.join(dir, 'long.tar'), false);
    await expect(again.add('long', 2, [Buffer.alloc(4)])).rejects.toThrow('grew');
    await again.abort();
  });

  it('never overwrites an existing file', async () => {
    await writeFile(path.join(dir, 'taken.tar'), 'x');
    await expect(createTarFile(path.join(dir, 'taken.tar'), false)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('rejects a damaged header, a link entry and a missing end marker', async () => {
    const file = path.join(dir, 'good.tar');
    const tar = await createTarFile(file, false);
    await tar.addBuffer('a', Buffer.from('hello'));
    await tar.finish();
    const good = await readFile(file);

    const badSum = Buffer.from(good);
    badSum[0] = 'b'.charCodeAt(0);
    await writeFile(path.join(dir, 'bad-sum.tar'), badSum);
    await expect(readAll(path.join(dir, 'bad-sum.tar'))).rejects.toThrow('header checksum');

    const link = Buffer.from(good);
    link[156] = '2'.charCodeAt(0);
    link.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += link[i]!;
    link.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    await writeFile(path.join(dir, 'link.tar'), link);
    await expect(readAll(path.join(dir, 'link.tar'))).rejects.toThrow('not a regular file');

    await writeFile(path.join(dir, 'cut.tar'), good.subarray(0, 1024));
    await expect(readAll(path.join(dir, 'cut.tar'))).rejects.toThrow('truncated');
  });
});

describe('backup manifest', () => {
  const hash = 'ab'.padEnd(64, '0');
  const valid = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    created_at: '2026-01-01T00:00:00.000Z',
    app_version: '0.1.0',
    database: 'sqlite',
    counts: { documents: { users: 1 }, images: 1, bytes: 10 },
    missing_images: [],
    entries: [
      { name: 'inkframe.db', size: 5, sha256: hash },
      { name: imageEntryName(hash), size: 5, sha256: hash },
    ],
  };
  const withEntries = (entries: unknown[]) => JSON.stringify({ ...valid, entries });

  it('accepts what the backup writes', () => {
    expect(parseManifest(JSON.stringify(valid)).entries).toHaveLength(2);
    expect(imageHashOf(imageEntryName(hash))).toBe(hash);
  });

  it('rejects names outside the known layout, duplicates, other versions and a sqlite backup without its database', () => {
    for (const name of ['../etc/passwd', '/inkframe.db', 'images/originals/ab/../../x', `images/originals/cd/${hash}`, 'images/thumbnails/ab/x.webp', 'notes.txt']) {
      expect(() => parseManifest(withEntries([...valid.entries, { name, size: 1, sha256: hash }])), name).toThrow('unexpected entry');
    }
    expect(() => parseManifest(withEntries([...valid.entries, valid.entries[0]]))).toThrow('listed twice');
    expect(() => parseManifest(JSON.stringify({ ...valid, format_version: 2 }))).toThrow('not supported');
    expect(() => parseManifest(withEntries([valid.entries[1]]))).toThrow('must contain inkframe.db');
    expect(() => parseManifest('{')).toThrow('not valid JSON');
  });
});
