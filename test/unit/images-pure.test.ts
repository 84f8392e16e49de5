import { describe, expect, it } from 'vitest';
import { detectImageFormat, formatOfMime } from '../../src/modules/images/image-format.js';
import { matchesEtag } from '../../src/modules/images/image-reply.js';
import { displayName } from '../../src/modules/images/images.service.js';
import { createKeyedLock } from '../../src/lib/keyed-lock.js';
import { createImageUrlSigner } from '../../src/modules/images/url-signer.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123';
const ID = '65f0c0ffee0000000000abcd';

describe('detectImageFormat', () => {
  const bytes = (...values: (number | string)[]) =>
    Uint8Array.from(values.flatMap((value) => (typeof value === 'string' ? [...value].map((char) => char.charCodeAt(0)) : [value])));

  it('knows JPEG, PNG and WebP by their magic bytes', () => {
    expect(detectImageFormat(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0))).toBe('jpeg');
    expect(detectImageFormat(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe('png');
    expect(detectImageFormat(bytes('RIFF', 0, 0, 0, 0, 'WEBP', 'VP8 '))).toBe('webp');
  });

  it('refuses everything else, and too few bytes', () => {
    for (const head of [
      bytes('<svg xmlns='),
      bytes('GIF89a', 1, 0, 1, 0, 0, 0),
      bytes('II*', 0, 8, 0, 0, 0, 0, 0, 0, 0),
      bytes('%PDF-1.7', 0, 0, 0, 0),
      bytes('RIFF', 0, 0, 0, 0, 'WAVE', 'fmt '),
      bytes(0, 0, 0, 0x18, 'ftypheic', 0, 0),
      bytes(0x89, 'PNG'),
      bytes('RIFF', 0, 0, 0, 0, 'WEB'),
      new Uint8Array(),
    ]) {
      expect(detectImageFormat(head)).toBeNull();
    }
  });

  it('maps stored mime types back to formats', () => {
    expect(formatOfMime('image/webp')).toBe('webp');
    expect(formatOfMime('image/gif')).toBeNull();
  });
});

describe('image url signer', () => {
  const at = (ms: number) => createImageUrlSigner(SECRET, { now: () => ms });
  const parts = (url: string) => {
    const parsed = new URL(url, 'http://x');
    return { path: parsed.pathname, exp: parsed.searchParams.get('exp') ?? undefined, sig: parsed.searchParams.get('sig') ?? undefined };
  };
  const now = Date.UTC(2026, 0, 1, 10, 15);

  it('signs links to the original and the thumbnail that verify until they expire', () => {
    const signer = at(now);
    const original = parts(signer.url(ID, 'original'));
    const thumbnail = parts(signer.url(ID, 'thumbnail'));
    expect(original.path).toBe(`/api/v1/images/${ID}`);
    expect(thumbnail.path).toBe(`/api/v1/images/${ID}/thumbnail`);
    expect(signer.verify(ID, 'original', original.exp, original.sig)).toBe(true);
    expect(signer.verify(ID, 'thumbnail', thumbnail.exp, thumbnail.sig)).toBe(true);
    expect(at(now + 24 * 3600_000).verify(ID, 'original', original.exp, original.sig)).toBe(true);
    expect(at(now + 25 * 3600_000).verify(ID, 'original', original.exp, original.sig)).toBe(false);
  });

  it('keeps a link stable within the hour and expires it 24 to 25 hours later', () => {
    const a = at(now).url(ID, 'original');
    expect(at(now + 30 * 60_000).url(ID, 'original')).toBe(a);
    const exp = Number(parts(a).exp) * 1000;
    expect(exp - now).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(exp - now).toBeLessThanOrEqual(25 * 3600_000);
    expect(exp % 3600_000).toBe(0);
  });

  it('refuses another id, variant, expiry, key or a malformed signature', () => {
    const signer = at(now);
    const { exp, sig } = parts(signer.url(ID, 'original'));
    expect(signer.verify('65f0c0ffee0000000000abce', 'original', exp, sig)).toBe(false);
    expect(signer.verify(ID, 'thumbnail', exp, sig)).toBe(false);
    expect(signer.verify(ID, 'original', String(Number(exp) + 1), sig)).toBe(false);
    expect(createImageUrlSigner(`${SECRET}x`, { now: () => now }).verify(ID, 'original', exp, sig)).toBe(false);
    for (const bad of [undefined, '', 'x', `${sig}A`, sig!.slice(1), sig!.replace(/./, '+')]) expect(signer.verify(ID, 'original', exp, bad)).toBe(false);
    for (const bad of [undefined, '', '-1', '1e12', ` ${exp}`]) expect(signer.verify(ID, 'original', bad, sig)).toBe(false);
  });
});

describe('matchesEtag', () => {
  const etag = '"abc"';
  it('matches strong, weak, listed and wildcard tags only', () => {
    expect(matchesEtag('"abc"', etag)).toBe(true);
    expect(matchesEtag('W/"abc"', etag)).toBe(true);
    expect(matchesEtag('"x", W/"abc" ', etag)).toBe(true);
    expect(matchesEtag('*', etag)).toBe(true);
    expect(matchesEtag('"abcd"', etag)).toBe(false);
    expect(matchesEtag('abc', etag)).toBe(false);
    expect(matchesEtag(undefined, etag)).toBe(false);
    expect(matchesEtag('', etag)).toBe(false);
  });
});

describe('displayName', () => {
  it('keeps only a harmless base name', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\me\\cat.png')).toBe('cat.png');
    expect(displayName('a\u0000b\u001f.png')).toBe('ab.png');
    expect(displayName('dir/..')).toBeNull();
    expect(displayName('')).toBeNull();
    expect(displayName(undefined)).toBeNull();
    expect(displayName('x'.repeat(500))).toHaveLength(200);
  });
});

describe('keyed lock', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('runs work on one key one at a time, in order, and other keys in parallel', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      lock.run(key, async () => {
        log.push(`${name}+`);
        await tick();
        log.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
  });

  it('passes errors to their caller and keeps going', async () => {
    const lock = createKeyedLock();
    const failing = lock.run('k', async () => {
      await tick();
      throw new Error('boom');
    });
    const next = lock.run('k', async () => 'fine');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('fine');
  });
});
