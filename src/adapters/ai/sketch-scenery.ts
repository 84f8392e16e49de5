/**
 * The location cue: ground and horizon, simple shapes chosen from words in the location's
 * name and description (skyline, interior wall, water, trees, mountains, stars, dunes), a
 * night sky when the text says so, and the location's name as a slug in the corner.
 */
import type { Rng } from './prng.js';
import type { Box, Composition } from './sketch-layout.js';
import { GLYPH_EM, escapeXml, mix, n, type Colours } from './svg-util.js';

type Cue = 'interior' | 'water' | 'forest' | 'mountain' | 'space' | 'desert' | 'city';

const CUES: [Cue, RegExp][] = [
  ['interior', /\b(room|kitchen|office|hall|bar|pub|caf[eé]|house|apartment|flat|library|shop|store|bedroom|corridor|inside|interior|studio|lab|laboratory|church|classroom|station|cabin|tavern|inn|attic|basement|cell)\b/],
  ['water', /\b(sea|ocean|harbou?r|port|docks?|beach|lake|river|shore|bay|coast|pier|canal)\b/],
  ['forest', /\b(forest|woods?|trees?|park|garden|jungle|orchard|grove)\b/],
  ['mountain', /\b(mountains?|hills?|cliffs?|peaks?|valley|ridge)\b/],
  ['space', /\b(space|stars?|planet|orbit|galaxy|spaceship|moon)\b/],
  ['desert', /\b(desert|dunes?|sand|wasteland)\b/],
  ['city', /\b(city|street|town|alley|road|market|rooftops?|skyline|downtown|avenue|square)\b/],
];

export function cuesFor(text: string): Cue[] {
  const lower = text.toLowerCase();
  const found = CUES.filter(([, pattern]) => pattern.test(lower)).map(([cue]) => cue);
  return found.slice(0, 2);
}

export interface SceneryInput {
  frame: Box;
  composition: Composition;
  location: { name: string; description?: string } | null | undefined;
  /** Panel description, searched for cues too ("at night", "in the rain"). */
  description: string;
  colours: Colours;
  fontSize: number;
  rng: Rng;
}

export function drawScenery({ frame, composition, location, description, colours, fontSize, rng }: SceneryInput): string {
  const { x, y, w, h } = frame;
  const text = `${location?.name ?? ''} ${location?.description ?? ''} ${description}`;
  const night = /\b(night|midnight|dark|moonlit|evening)\b/i.test(text);
  const out: string[] = [];
  if (night) out.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${mix(colours.paper, colours.ink, 0.28)}"/>`);
  const base = composition.horizon ?? y + h * 0.72;
  if (composition.horizon !== null) {
    out.push(`<rect x="${n(x)}" y="${n(base)}" width="${n(w)}" height="${n(y + h - base)}" fill="${mix(colours.paper, colours.ink, 0.09)}"/>`);
  }
  const cues = location ? cuesFor(text) : cuesFor(description);
  if (location && cues.length === 0) cues.push('city');
  const shapes: string[] = [];
  if (night) shapes.push(`<circle cx="${n(x + w * rng.range(0.62, 0.88))}" cy="${n(y + h * rng.range(0.1, 0.2))}" r="${n(Math.min(w, h) * 0.05)}" fill="${mix(colours.paper, '#ffffff', 0.6)}"/>`);
  for (const cue of cues) shapes.push(drawCue(cue, frame, base, composition.cueScale, colours, rng));
  out.push(`<g opacity="${n(composition.cueOpacity)}">${shapes.join('')}</g>`);
  if (composition.horizon !== null) {
    out.push(`<path d="M${n(x)} ${n(base)} L${n(x + w)} ${n(base)}" stroke="${colours.ink}" stroke-width="${n(Math.max(1, fontSize * 0.08))}"/>`);
  }
  // Hatching: a few strokes of ground texture, so even an empty frame varies with the seed.
  for (let i = 0; i < 6; i++) {
    const hx = x + w * rng.range(0.05, 0.9);
    const hy = composition.horizon !== null ? base + (y + h - base) * rng.range(0.15, 0.9) : y + h * rng.range(0.8, 0.97);
    const len = w * rng.range(0.03, 0.08);
    out.push(`<path d="M${n(hx)} ${n(hy)} l${n(len)} ${n(-len * 0.25)}" stroke="${colours.ink}" stroke-opacity="0.35" stroke-width="1"/>`);
  }
  return out.join('');
}

function drawCue(cue: Cue, { x, y, w, h }: Box, base: number, scale: number, colours: Colours, rng: Rng): string {
  const shade = mix(colours.paper, colours.ink, 0.2);
  const line = `stroke="${colours.ink}" stroke-width="1.5"`;
  const parts: string[] = [];
  switch (cue) {
    case 'city': {
      let bx = x - w * 0.02;
      while (bx < x + w) {
        const bw = w * rng.range(0.06, 0.14) * scale;
        const bh = h * rng.range(0.08, 0.3) * scale;
        parts.push(`<rect x="${n(bx)}" y="${n(base - bh)}" width="${n(bw)}" height="${n(bh)}" fill="${shade}" ${line}/>`);
        const win = Math.max(2, bw * 0.14);
        for (let wy = base - bh + win; wy < base - win * 2; wy += win * 2.4) {
          for (let wx = bx + win; wx < bx + bw - win * 1.5; wx += win * 2) {
            if (rng.chance(0.55)) parts.push(`<rect x="${n(wx)}" y="${n(wy)}" width="${n(win)}" height="${n(win * 1.3)}" fill="${colours.paper}"/>`);
          }
        }
        bx += bw + w * rng.range(0, 0.02);
      }
      break;
    }
    case 'interior': {
      const ww = w * 0.22 * scale;
      const wh = h * 0.2 * scale;
      const wx = x + w * rng.range(0.08, 0.7);
      const wy = base - wh - h * 0.12 * scale;
      parts.push(`<rect x="${n(wx)}" y="${n(wy)}" width="${n(ww)}" height="${n(wh)}" fill="${mix(colours.paper, '#ffffff', 0.5)}" ${line}/>`);
      parts.push(`<path d="M${n(wx + ww / 2)} ${n(wy)} V${n(wy + wh)} M${n(wx)} ${n(wy + wh / 2)} H${n(wx + ww)}" ${line}/>`);
      const dx = wx > x + w * 0.45 ? x + w * 0.1 : x + w * 0.72;
      const dh = h * 0.32 * scale;
      parts.push(`<rect x="${n(dx)}" y="${n(base - dh)}" width="${n(w * 0.14 * scale)}" height="${n(dh)}" fill="${shade}" ${line}/>`);
      break;
    }
    case 'water': {
      for (let i = 0; i < 4; i++) {
        const wy = base + (y + h - base) * (0.2 + i * 0.2);
        const amp = h * 0.008 * (1 + i * 0.5);
        const step = w / 8;
        let d = `M${n(x)} ${n(wy)}`;
        for (let wx = x; wx < x + w; wx += step) d += ` q${n(step / 4)} ${n(-amp)} ${n(step / 2)} 0 t${n(step / 2)} 0`;
        parts.push(`<path d="${d}" fill="none" stroke="${colours.accent}" stroke-width="2"/>`);
      }
      const px = x + w * rng.range(0.1, 0.7);
      const pw = w * 0.18 * scale;
      parts.push(`<path d="M${n(px)} ${n(base - h * 0.015)} h${n(pw)} l${n(-pw * 0.15)} ${n(h * 0.03)} h${n(-pw * 0.7)} Z" fill="${shade}" ${line}/>`);
      break;
    }
    case 'forest':
      for (let tx = x + w * rng.range(0, 0.06); tx < x + w; tx += w * rng.range(0.09, 0.16) * scale) {
        const th = h * rng.range(0.12, 0.24) * scale;
        parts.push(`<path d="M${n(tx)} ${n(base)} v${n(-th * 0.25)}" ${line}/>`);
        parts.push(`<path d="M${n(tx - th * 0.22)} ${n(base - th * 0.25)} L${n(tx)} ${n(base - th)} L${n(tx + th * 0.22)} ${n(base - th * 0.25)} Z" fill="${mix(shade, '#3d8a4a', 0.3)}" ${line}/>`);
      }
      break;
    case 'mountain':
      for (let i = 0; i < 3; i++) {
        const mx = x + w * rng.range(-0.1, 0.9);
        const mw = w * rng.range(0.35, 0.6) * scale;
        const mh = h * rng.range(0.15, 0.3) * scale;
        parts.push(`<path d="M${n(mx)} ${n(base)} L${n(mx + mw / 2)} ${n(base - mh)} L${n(mx + mw)} ${n(base)} Z" fill="${shade}" ${line}/>`);
      }
      break;
    case 'space':
      for (let i = 0; i < 40; i++) {
        parts.push(`<circle cx="${n(x + w * rng.next())}" cy="${n(y + (base - y) * rng.next())}" r="${n(rng.range(0.8, 2.4))}" fill="${colours.ink}"/>`);
      }
      parts.push(`<circle cx="${n(x + w * rng.range(0.15, 0.85))}" cy="${n(y + h * 0.25)}" r="${n(Math.min(w, h) * 0.09 * scale)}" fill="${shade}" ${line}/>`);
      break;
    case 'desert':
      for (let i = 0; i < 3; i++) {
        const dy = base + (y + h - base) * (0.1 + i * 0.3);
        parts.push(`<path d="M${n(x)} ${n(dy)} Q${n(x + w * rng.range(0.2, 0.8))} ${n(dy - h * 0.06)} ${n(x + w)} ${n(dy)}" fill="none" ${line}/>`);
      }
      parts.push(`<circle cx="${n(x + w * rng.range(0.15, 0.85))}" cy="${n(y + h * 0.15)}" r="${n(Math.min(w, h) * 0.06)}" fill="${colours.accent}"/>`);
      break;
  }
  return parts.join('');
}

/** The location's name as a slug in the frame's lower left corner. */
export function locationSlug(location: { name: string } | null | undefined, frame: Box, colours: Colours, fontSize: number): string {
  if (!location?.name) return '';
  const size = Math.max(9, fontSize * 0.75);
  const text = `LOC: ${location.name.toUpperCase()}`;
  const shown = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  // Capitals run wider than the average glyph.
  const width = shown.length * size * GLYPH_EM * 1.18 + size;
  const x = frame.x + size * 0.6;
  const y = frame.y + frame.h - size * 0.6;
  return (
    `<rect x="${n(x)}" y="${n(y - size * 1.25)}" width="${n(width)}" height="${n(size * 1.6)}" fill="${colours.ink}" fill-opacity="0.85"/>` +
    `<text x="${n(x + size / 2)}" y="${n(y)}" font-family="sans-serif" font-size="${n(size)}" fill="${colours.paper}">${escapeXml(shown)}</text>`
  );
}
