import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { zipStream, type ZipEntry } from '../../src/modules/project-io/zip-stream.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          collect(stream).then((data) => {
            files.set(entry.fileName, data);
            zip.readEntry();
          }, reject);
        }),
      );
      zip.on('end', () => resolve(files));
      zip.readEntry();
    });
  });
}

describe('zipStream', () => {
  it('writes every entry, deflated or stored, opening one source at a time', async () => {
    let openNow = 0;
    let maxOpen = 0;
    const entry = (name: string, data: Buffer, compress?: boolean): ZipEntry => ({
      name,
      compress,
      open: async () => {
        openNow += 1;
        maxOpen = Math.max(maxOpen, openNow);
        const stream = Readable.from([data.subarray(0, 10), data.subarray(10)]);
        stream.once('end', () => (openNow -= 1));
        return stream;
      },
    });
    const text = Buffer.from('{"hello":"world"}'.repeat(1000));
    const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
    async function* entries() {
      yield entry('project.json', text);
      yield entry('images/abc.png', binary, false);
      yield entry('images/def.png', Buffer.from('small file contents'), false);
    }
    const files = await unzip(await collect(zipStream(entries())));
    expect([...files.keys()]).toEqual(['project.json', 'images/abc.png', 'images/def.png']);
    expect(files.get('project.json')).toEqual(text);
    expect(files.get('images/abc.png')).toEqual(binary);
    expect(maxOpen).toBe(1);
  });

  it('errors the output when a source cannot be opened', async () => {
    const output = zipStream([{ name: 'a.txt', open: () => Promise.reject(new Error('gone')) }]);
    await expect(collect(output)).rejects.toThrow('gone');
  });

  it('stops reading and closes the open source when the output is closed early', async () => {
    let finished = false;
    const sources: Readable[] = [];
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          yield {
            name: `file-${i}.bin`,
            compress: false,
            open: () => {
              const source = new Readable({
                read() {
                  this.push(Buffer.alloc(64 * 1024, i % 256));
                },
              });
              sources.push(source);
              return source;
            },
          };
          await sleep(1);
        }
      } finally {
        finished = true;
      }
    }
    const output = zipStream(endless());
    await new Promise<void>((resolve) => output.once('data', () => resolve()));
    output.destroy();
    await sleep(50);
    expect(finished).toBe(true);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((source) => source.destroyed)).toBe(true);
  });
});
