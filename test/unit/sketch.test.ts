import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createSketchImageProvider } from '../../src/adapters/ai/sketch.js';
import { renderSketchSvg } from '../../src/adapters/ai/sketch-svg.js';
import { createSharpImageProcessor } from '../../src/adapters/sharp/sharp-image-processor.js';
import type { ImageRequest, SceneSketch } from '../../src/ports/ai-providers.js';

const sketch: SceneSketch = {
  shot_type: 'medium',
  camera_angle: 'low angle',
  description: 'Mara confronts Theo on the docks at night.',
  characters: [
    { name: 'Mara', appearance: 'tall, red coat' },
    { name: 'Theo', appearance: 'grey beard' },
  ],
  location: { name: 'Harbour Docks', description: 'fog and cranes' },
  dialogue: [
    { type: 'speech', speaker: 'Mara', text: 'Where is the <ship> & the "cargo"?' },
    { type: 'thought', speaker: 'Theo', text: "She can't know." },
    { type: 'caption', speaker: null, text: 'Midnight.' },
    { type: 'sfx', speaker: null, text: 'KRAK' },
  ],
  palette: ['#1d2b3a', '#e8e0cc', '#c0392b'],
};
const request: ImageRequest = { prompt: 'Mara confronts Theo', width: 320, height: 480, seed: 11, n: 1, sketch };
const signal = () => new AbortController().signal;

describe('sketch provider', () => {
  const provider = createSketchImageProvider();
  afterAll(() => provider.close?.());

  it('renders a PNG of the requested size', async () => {
    const [image] = await provider.generate(request, { signal: signal() });
    expect(image!.mime_type).toBe('image/png');
    expect(image!.seed).toBe(11);
    const meta = await sharp(image!.data).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 320, height: 480 });
  });

  it('is deterministic: same request and seed give identical bytes, another seed differs', async () => {
    const [a] = await provider.generate(request, { signal: signal() });
    const [b] = await provider.generate({ ...request, sketch: JSON.parse(JSON.stringify(sketch)) as SceneSketch }, { signal: signal() });
    const [c] = await provider.generate({ ...request, seed: 12 }, { signal: signal() });
    expect(a!.data.equals(b!.data)).toBe(true);
    expect(a!.data.equals(c!.data)).toBe(false);
  });

  it('gives image i the seed + i, each one different', async () => {
    const images = await provider.generate({ ...request, n: 3 }, { signal: signal() });
    expect(images.map((i) => i.seed)).toEqual([11, 12, 13]);
    const [single] = await provider.generate({ ...request, seed: 12 }, { signal: signal() });
    expect(images[1]!.data.equals(single!.data)).toBe(true);
    expect(images[0]!.data.equals(images[2]!.data)).toBe(false);
  });

  it('still renders after the image processor blocked every non-JPEG/PNG/WebP loader in this process', async () => {
    createSharpImageProcessor({ maxPixels: 64_000_000 });
    await expect(sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')).png().toBuffer()).rejects.toThrow();
    const [image] = await provider.generate(request, { signal: signal() });
    expect((await sharp(image!.data).metadata()).width).toBe(320);
  });

  it('puts a faded source image under the sketch for img2img', async () => {
    const source = await sharp({ create: { width: 100, height: 100, channels: 3, background: { r: 0, g: 160, b: 0 } } }).png().toBuffer();
    const [plain] = await provider.generate(request, { signal: signal() });
    const [over] = await provider.generate({ ...request, init_image: source, denoising_strength: 0.2 }, { signal: signal() });
    expect(over!.data.equals(plain!.data)).toBe(false);
    const { data, info } = await sharp(over!.data).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([320, 480]);
    // The green source shows through somewhere the sketch leaves open.
    let greenish = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i + 1]! > data[i]! + 40 && data[i + 1]! > data[i + 2]! + 40) greenish++;
    expect(greenish).toBeGreaterThan(100);
  });

  it('rejects bad sizes and stops when canceled', async () => {
    await expect(provider.generate({ ...request, width: 10 }, { signal: signal() })).rejects.toThrow(/width must be an integer from 64/);
    const controller = new AbortController();
    controller.abort();
    await expect(provider.generate(request, { signal: controller.signal })).rejects.toThrow(/canceled/);
  });
});

describe('sketch SVG', () => {
  const svg = (extra: Partial<SceneSketch> = {}, seed = 11) => renderSketchSvg({ width: 832, height: 1248, prompt: 'p', seed, sketch: { ...sketch, ...extra } });

  it('contains the dialogue wrapped and XML-escaped, the names and the location', () => {
    const text = svg();
    // Wrapped over two lines, each escaped.
    expect(text).toMatch(/<tspan [^>]+>Where is the &lt;ship&gt; &amp;<\/tspan><tspan [^>]+>the &quot;cargo&quot;\?<\/tspan>/);
    expect(text).not.toContain('<ship>');
    expect(text).toContain('She can&apos;t know.');
    expect(text).toContain('Midnight.');
    expect(text).toContain('>KRAK<');
    expect(text).toContain('>Mara<');
    expect(text).toContain('>Theo<');
    expect(text).toContain('LOC: HARBOUR DOCKS');
    expect(text).toContain('MEDIUM · low angle');
  });

  it('takes paper and ink from the palette', () => {
    const text = svg();
    expect(text).toContain('fill="#e8e0cc"');
    expect(text).toContain('stroke="#1d2b3a"');
    expect(svg({ palette: [] })).toContain('fill="#f7f3e8"');
  });

  it('draws each bubble type with its own shape', () => {
    const text = svg({ dialogue: [{ type: 'whisper', speaker: 'Mara', text: 'psst' }, { type: 'shout', speaker: 'Theo', text: 'run' }] });
    expect(text).toContain('stroke-dasharray');
    expect(text).toContain('<polygon');
    expect(text).toContain('>RUN<');
  });

  it('composes by shot type: a close-up draws one big face, an insert no figures, an establishing shot small ones', () => {
    const radii = (text: string) => [...text.matchAll(/<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)" fill="#[0-9a-f]{6}" stroke="#1d2b3a"/g)].map((m) => Number(m[1]));
    const close = radii(svg({ shot_type: 'close_up', characters: [{ name: 'Mara' }], location: null, dialogue: [] }));
    const wide = radii(svg({ shot_type: 'establishing', characters: [{ name: 'Mara' }], location: null, dialogue: [] }));
    expect(close).toHaveLength(1);
    expect(wide).toHaveLength(1);
    expect(close[0]!).toBeGreaterThan(wide[0]! * 5);
    const insert = svg({ shot_type: 'insert', description: 'The brass key on the table' });
    expect(insert).toContain('Off panel: Mara, Theo');
    expect(insert).toContain('The brass key on the');
  });

  it('strips characters XML cannot carry', () => {
    expect(svg({ dialogue: [{ type: 'speech', speaker: 'Mara', text: 'bad\u0000\u0007char\uD800s' }] })).toContain('badchars');
  });
});
