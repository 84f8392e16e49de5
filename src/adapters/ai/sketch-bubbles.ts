/**
 * Dialogue on the sketch, in reading order from the top: speech (rounded balloon with a tail
 * to the speaker), thought (cloud with trailing puffs), shout (spiky burst), whisper (dashed
 * balloon), caption (box) and sfx (big tilted letters). Text is wrapped and XML-escaped; what
 * does not fit in the upper part of the frame is summarised as "+N more".
 */
import type { Rng } from './prng.js';
import type { Box, Figure } from './sketch-layout.js';
import { GLYPH_EM, escapeXml, mix, n, wrapText, type Colours } from './svg-util.js';

export interface BubbleSpec {
  type: string;
  speaker?: string | null;
  text: string;
}

interface Placed {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function drawBubbles(frame: Box, bubbles: readonly BubbleSpec[], figures: readonly Figure[], colours: Colours, fontSize: number, rng: Rng): string {
  const out: string[] = [];
  const pad = fontSize * 0.7;
  const limit = frame.y + frame.h * 0.62;
  let cursor = frame.y + fontSize * 0.6;
  let side = rng.pick([0, 1]);
  let skipped = 0;
  const effects: string[] = [];

  for (const bubble of bubbles) {
    const text = bubble.text.trim();
    if (!text) continue;
    const type = bubble.type;
    if (type === 'sfx') {
      effects.push(text);
      continue;
    }
    const speaker = bubble.speaker ? figures.find((f) => f.name === bubble.speaker) : undefined;
    const prefix = bubble.speaker && !speaker && type !== 'caption' ? `${bubble.speaker}: ` : '';
    const size = type === 'shout' ? fontSize * 1.1 : type === 'whisper' ? fontSize * 0.9 : fontSize;
    const maxWidth = frame.w * (type === 'caption' ? 0.62 : 0.46);
    const lines = wrapText(prefix + (type === 'shout' ? text.toUpperCase() : text), (maxWidth - pad * 2) / (size * GLYPH_EM), 6);
    const textWidth = Math.max(...lines.map((line) => line.length)) * size * GLYPH_EM;
    const extra = type === 'shout' ? fontSize * 1.2 : type === 'thought' ? fontSize * 0.9 : 0;
    const w = textWidth + pad * 2 + extra;
    const h = lines.length * size * 1.2 + pad * 1.4 + extra;
    if (cursor + h > limit) {
      skipped++;
      continue;
    }
    const anchor = speaker ? speaker.cx : side === 0 ? frame.x + frame.w * 0.28 : frame.x + frame.w * 0.72;
    const x = type === 'caption' ? frame.x + fontSize * 0.6 : Math.min(frame.x + frame.w - w - fontSize * 0.5, Math.max(frame.x + fontSize * 0.5, anchor - w / 2));
    const box: Placed = { x, y: cursor, w, h };
    const target = speaker ? { x: speaker.cx, y: speaker.cy - speaker.r * (speaker.crop === 'face' ? 0.2 : 1.1) } : { x: box.x + box.w * (side === 0 ? 0.3 : 0.7), y: box.y + box.h + fontSize * 2.5 };
    out.push(shape(type, box, target, colours, fontSize, rng));
    out.push(textBlock(lines, box, type, colours, size, prefix !== ''));
    cursor += h + fontSize * (type === 'caption' ? 0.5 : 1.3);
    side = 1 - side;
  }
  // Sound effects go under the balloons, where the picture has room.
  let effectY = Math.max(cursor, frame.y + frame.h * 0.3);
  for (const text of effects) {
    const drawn = sfx(text, frame, colours, fontSize, rng, effectY);
    if (!drawn) break;
    out.push(drawn.svg);
    effectY += drawn.height;
  }
  if (skipped > 0) {
    out.push(`<text x="${n(frame.x + frame.w - fontSize * 0.6)}" y="${n(limit + fontSize)}" font-family="sans-serif" font-size="${n(fontSize * 0.8)}" font-style="italic" text-anchor="end" fill="${colours.ink}">+${skipped} more</text>`);
  }
  return out.join('');
}

function shape(type: string, box: Placed, target: { x: number; y: number }, colours: Colours, fontSize: number, rng: Rng): string {
  const fill = colours.bubble;
  const stroke = `stroke="${colours.ink}" stroke-width="${n(Math.max(1.5, fontSize * 0.1))}" stroke-linejoin="round"`;
  const { x, y, w, h } = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  const radius = Math.min(h / 2, fontSize * 1.6);
  const base = { x: cx + (target.x > cx ? w * 0.12 : -w * 0.12), y: y + h };
  const dx = target.x - base.x;
  const dy = Math.max(fontSize, target.y - base.y);
  const length = Math.min(Math.hypot(dx, dy), fontSize * 4);
  const scale = length / Math.hypot(dx, dy);
  const tip = { x: base.x + dx * scale, y: base.y + dy * scale };
  const tail = `<path d="M${n(base.x - fontSize * 0.6)} ${n(base.y - 2)} L${n(tip.x)} ${n(tip.y)} L${n(base.x + fontSize * 0.6)} ${n(base.y - 2)} Z" fill="${fill}" ${stroke}/>`;
  const body = (extra = '') => `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="${n(radius)}" fill="${fill}" ${stroke}${extra}/>`;
  // The tail again without stroke, a little inside: it hides the balloon's outline across the tail's root.
  const inset = fontSize * 0.6 - Math.max(1.5, fontSize * 0.1);
  const seam = `<path d="M${n(base.x - inset)} ${n(base.y - fontSize * 0.3)} L${n(base.x + (tip.x - base.x) * 0.4)} ${n(base.y + (tip.y - base.y) * 0.4)} L${n(base.x + inset)} ${n(base.y - fontSize * 0.3)} Z" fill="${fill}"/>`;
  switch (type) {
    case 'caption':
      return `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${mix(colours.bubble, colours.accent, 0.25)}" ${stroke}/>`;
    case 'whisper':
      return `${body(` stroke-dasharray="${n(fontSize * 0.4)} ${n(fontSize * 0.3)}"`)}${tail.replace('/>', ` stroke-dasharray="${n(fontSize * 0.4)} ${n(fontSize * 0.3)}"/>`)}${seam}`;
    case 'thought': {
      const puffs: string[] = [];
      const bumps = Math.max(8, Math.round((w + h) / (fontSize * 1.6)));
      const rx = w / 2;
      const ry = h / 2;
      const circles: string[] = [];
      for (let i = 0; i < bumps; i++) {
        const angle = (i / bumps) * Math.PI * 2 + rng.range(-0.08, 0.08);
        const pr = fontSize * rng.range(0.9, 1.3);
        circles.push(`cx="${n(cx + Math.cos(angle) * (rx - pr * 0.5))}" cy="${n(cy + Math.sin(angle) * (ry - pr * 0.5))}" r="${n(pr)}"`);
      }
      for (let i = 1; i <= 3; i++) {
        const t = i / 4;
        puffs.push(`<circle cx="${n(base.x + (tip.x - base.x) * t)}" cy="${n(base.y + (tip.y - base.y) * t)}" r="${n(fontSize * (0.55 - i * 0.12))}" fill="${fill}" ${stroke}/>`);
      }
      return (
        circles.map((c) => `<circle ${c} fill="${fill}" ${stroke}/>`).join('') +
        circles.map((c) => `<circle ${c} fill="${fill}"/>`).join('') +
        `<ellipse cx="${n(cx)}" cy="${n(cy)}" rx="${n(rx - fontSize * 0.2)}" ry="${n(ry - fontSize * 0.2)}" fill="${fill}"/>` +
        puffs.join('')
      );
    }
    case 'shout': {
      const spikes = Math.max(12, Math.round((w + h) / (fontSize * 1.1)));
      const points: string[] = [];
      for (let i = 0; i < spikes * 2; i++) {
        const angle = (i / (spikes * 2)) * Math.PI * 2;
        const out = i % 2 === 0 ? rng.range(1.12, 1.3) : 0.98;
        points.push(`${n(cx + Math.cos(angle) * (w / 2) * out)},${n(cy + Math.sin(angle) * (h / 2) * out)}`);
      }
      return `${tail}<polygon points="${points.join(' ')}" fill="${fill}" ${stroke}/>`;
    }
    default:
      return `${body()}${tail}${seam}`;
  }
}

function textBlock(lines: readonly string[], box: Placed, type: string, colours: Colours, size: number, prefixed: boolean): string {
  const left = type === 'caption';
  const x = left ? box.x + size * 0.6 : box.x + box.w / 2;
  const firstBaseline = box.y + box.h / 2 - ((lines.length - 1) * size * 1.2) / 2 + size * 0.35;
  const style = `${type === 'shout' ? ' font-weight="bold"' : ''}${type === 'thought' || type === 'whisper' ? ' font-style="italic"' : ''}`;
  const fill = type === 'whisper' ? mix(colours.ink, colours.paper, 0.3) : colours.ink;
  const spans = lines
    .map((line, index) => {
      const content = index === 0 && prefixed ? boldPrefix(line) : escapeXml(line);
      return `<tspan x="${n(x)}" y="${n(firstBaseline + index * size * 1.2)}">${content}</tspan>`;
    })
    .join('');
  return `<text font-family="sans-serif" font-size="${n(size)}"${style} text-anchor="${left ? 'start' : 'middle'}" fill="${fill}">${spans}</text>`;
}

/** "Name: text" with the name in bold, for a speaker who is not in the picture. */
function boldPrefix(line: string): string {
  const colon = line.indexOf(': ');
  if (colon < 0) return escapeXml(line);
  return `<tspan font-weight="bold">${escapeXml(line.slice(0, colon + 1))}</tspan>${escapeXml(line.slice(colon + 1))}`;
}

function sfx(text: string, frame: Box, colours: Colours, fontSize: number, rng: Rng, top: number): { svg: string; height: number } | undefined {
  const shown = text.length > 24 ? `${text.slice(0, 23)}…` : text;
  const size = Math.min(fontSize * 3.2, (frame.w * 0.7) / Math.max(1, shown.length * 0.62));
  const x = frame.x + frame.w * rng.range(0.35, 0.65);
  const y = top + size * 1.1;
  if (y > frame.y + frame.h - fontSize * 2) return undefined;
  const angle = rng.range(-12, 12);
  return { height: size * 1.3, svg: `<text x="${n(x)}" y="${n(y)}" transform="rotate(${n(angle)} ${n(x)} ${n(y)})" font-family="sans-serif" font-size="${n(size)}" font-weight="bold" text-anchor="middle" fill="${colours.accent}" stroke="${colours.ink}" stroke-width="${n(Math.max(1.5, size * 0.05))}" paint-order="stroke">${escapeXml(shown.toUpperCase())}</text>` };
}
