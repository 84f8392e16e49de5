import { describe, expect, it } from 'vitest';
import { checkedImageBytes } from '../../src/modules/images/image-intake.js';

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

async function* chunks(...parts: Buffer[]) {
  for (const part of parts) yield part;
}

async function collect(source: AsyncIterable<Uint8Array>) {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

describe('checkedImageBytes', () => {
  it('passes every byte on, in order, once the first ones show an image', async () => {
    const body = Buffer.concat([PNG_HEAD, Buffer.alloc(5000, 7)]);
    expect((await collect(checkedImageBytes(chunks(body.subarray(0, 3), body.subarray(3, 20), body.subarray(20)), 10_000))).equals(body)).toBe(true);
  });

  it('refuses a non-image (415) before passing on any byte', async () => {
    const passed: Uint8Array[] = [];
    const run = async () => {
      for await (const chunk of checkedImageBytes(chunks(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"'), Buffer.alloc(100)), 10_000)) passed.push(chunk);
    };
    await expect(run()).rejects.toMatchObject({ statusCode: 415 });
    expect(passed).toEqual([]);
  });

  it('refuses bytes past the limit (413) and an empty file (422)', async () => {
    await expect(collect(checkedImageBytes(chunks(PNG_HEAD, Buffer.alloc(100)), 100))).rejects.toMatchObject({ statusCode: 413 });
    await expect(collect(checkedImageBytes(chunks(), 100))).rejects.toMatchObject({ statusCode: 422 });
  });

  it('checks a file shorter than the sniffed prefix at its end', async () => {
    await expect(collect(checkedImageBytes(chunks(Buffer.from('GIF8')), 100))).rejects.toMatchObject({ statusCode: 415 });
    expect((await collect(checkedImageBytes(chunks(PNG_HEAD.subarray(0, 8)), 100))).length).toBe(8);
  });
});
