/**
 * Labelled character silhouettes: full body, waist up, head and shoulders, or a face filling
 * the frame, tinted by a colour named in the character's appearance.
 */
import type { Rng } from './prng.js';
import type { Figure } from './sketch-layout.js';
import { GLYPH_EM, escapeXml, mix, n, namedColour, type Colours } from './svg-util.js';

export function figureFill(figure: Figure, colours: Colours, rng: Rng): string {
  const named = namedColour(figure.appearance);
  const base = named ? mix(named, colours.accent, 0.25) : mix(colours.accent, colours.paper, rng.range(0.05, 0.4));
  return figure.back ? mix(base, colours.ink, 0.55) : base;
}

export function drawFigure(figure: Figure, colours: Colours, fill: string, fontSize: number): string {
  const { cx, cy, r } = figure;
  const stroke = `stroke="${colours.ink}" stroke-width="${n(Math.max(1.2, Math.min(r * 0.12, fontSize * 0.25)))}" stroke-linejoin="round"`;
  const parts: string[] = [];
  const shoulders = (top: number, half: number, bottom: number, waistHalf: number) =>
    `<path d="M${n(cx - half)} ${n(top)} Q${n(cx)} ${n(top - r * 0.5)} ${n(cx + half)} ${n(top)} L${n(cx + waistHalf)} ${n(bottom)} L${n(cx - waistHalf)} ${n(bottom)} Z" fill="${fill}" ${stroke}/>`;
  const arms = (top: number, length: number) =>
    [-1, 1]
      .map((side) => {
        const raise = side === 1 ? figure.pose : -figure.pose * 0.4;
        const hx = cx + side * (r * 1.9 + Math.abs(raise) * r * 0.9);
        const hy = top + length - Math.max(0, raise) * length * 0.8;
        return `<path d="M${n(cx + side * r * 1.35)} ${n(top + r * 0.3)} L${n(hx)} ${n(hy)}" stroke="${colours.ink}" stroke-width="${n(r * 0.62)}" stroke-linecap="round" fill="none"/><path d="M${n(cx + side * r * 1.35)} ${n(top + r * 0.3)} L${n(hx)} ${n(hy)}" stroke="${fill}" stroke-width="${n(r * 0.38)}" stroke-linecap="round" fill="none"/>`;
      })
      .join('');

  switch (figure.crop) {
    case 'full': {
      const top = cy + r * 1.35;
      const waist = cy + r * 6;
      const feet = cy + r * 14;
      parts.push(arms(top, r * 4.6));
      for (const side of [-1, 1]) {
        parts.push(`<path d="M${n(cx + side * r * 0.1)} ${n(waist)} L${n(cx + side * r * 1.15)} ${n(waist)} L${n(cx + side * r * 0.95)} ${n(feet)} L${n(cx + side * r * 0.3)} ${n(feet)} Z" fill="${fill}" ${stroke}/>`);
      }
      parts.push(shoulders(top, r * 1.45, waist, r * 1.15));
      break;
    }
    case 'waist': {
      const top = cy + r * 1.35;
      parts.push(arms(top, r * 5.5));
      parts.push(shoulders(top, r * 1.6, cy + r * 12, r * 1.5));
      break;
    }
    case 'head':
      parts.push(shoulders(cy + r * 1.05, r * 1.55, cy + r * 4.5, r * 1.8));
      break;
    case 'face':
      break;
  }
  parts.push(`<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(r)}" fill="${fill}" ${stroke}/>`);
  if (!figure.back && (figure.crop === 'head' || figure.crop === 'face')) parts.push(face(figure, colours));
  return `<g>${parts.join('')}${label(figure, colours, fontSize)}</g>`;
}

function face({ cx, cy, r, crop }: Figure, colours: Colours): string {
  const big = crop === 'face';
  const eyeY = cy - r * (big ? 0.12 : 0.05);
  const eyeX = r * (big ? 0.36 : 0.34);
  const eyes = [-1, 1]
    .map((side) => {
      const ex = cx + side * eyeX;
      const white = big ? `<ellipse cx="${n(ex)}" cy="${n(eyeY)}" rx="${n(r * 0.16)}" ry="${n(r * 0.08)}" fill="${colours.paper}" stroke="${colours.ink}" stroke-width="${n(r * 0.015)}"/>` : '';
      return `${white}<ellipse cx="${n(ex)}" cy="${n(eyeY)}" rx="${n(r * (big ? 0.06 : 0.08))}" ry="${n(r * (big ? 0.06 : 0.12))}" fill="${colours.ink}"/>` +
        `<path d="M${n(ex - r * 0.16)} ${n(eyeY - r * 0.2)} L${n(ex + r * 0.16)} ${n(eyeY - r * (side === 1 ? 0.24 : 0.17))}" stroke="${colours.ink}" stroke-width="${n(r * 0.04)}" stroke-linecap="round"/>`;
    })
    .join('');
  const nose = `<path d="M${n(cx)} ${n(eyeY + r * 0.12)} L${n(cx - r * 0.07)} ${n(eyeY + r * 0.38)} L${n(cx + r * 0.04)} ${n(eyeY + r * 0.4)}" stroke="${colours.ink}" stroke-width="${n(r * 0.03)}" fill="none" stroke-linecap="round"/>`;
  const mouth = `<path d="M${n(cx - r * 0.2)} ${n(cy + r * 0.5)} Q${n(cx)} ${n(cy + r * 0.56)} ${n(cx + r * 0.2)} ${n(cy + r * 0.48)}" stroke="${colours.ink}" stroke-width="${n(r * 0.035)}" fill="none" stroke-linecap="round"/>`;
  return eyes + nose + mouth;
}

/** The character's name on a paper tag: above a small full figure, on the chest, under the chin, or low on a big face. */
function label(figure: Figure, colours: Colours, fontSize: number): string {
  if (!figure.name) return '';
  const size = Math.max(9, fontSize * 0.8);
  const { cx, cy, r } = figure;
  const y = figure.crop === 'full' ? cy - r - size * 0.9 : figure.crop === 'waist' ? cy + r * 3.2 : figure.crop === 'head' ? cy + r * (figure.back ? 0.1 : 0.85) : cy + r * 0.8;
  const text = figure.name.length > 28 ? `${figure.name.slice(0, 27)}…` : figure.name;
  const width = text.length * size * GLYPH_EM + size;
  return (
    `<rect x="${n(cx - width / 2)}" y="${n(y - size * 0.95)}" width="${n(width)}" height="${n(size * 1.35)}" rx="${n(size * 0.3)}" fill="${colours.paper}" fill-opacity="0.9" stroke="${colours.ink}" stroke-width="1"/>` +
    `<text x="${n(cx)}" y="${n(y)}" font-family="sans-serif" font-size="${n(size)}" font-weight="bold" text-anchor="middle" fill="${colours.ink}">${escapeXml(text)}</text>`
  );
}
