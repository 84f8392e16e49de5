/**
 * SVG building blocks for the sketch renderer: XML escaping of user text, word wrapping by
 * an average glyph width, colours from the style guide palette, and number formatting that
 * keeps the SVG (and so the PNG) byte-identical across runs.
 */

/** Characters XML 1.0 forbids, and lone surrogates: librsvg refuses a document containing them. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Fixed precision so the same layout prints the same digits. */
export const n = (value: number): string => (Math.round(value * 10) / 10).toString();

/** Average advance of DejaVu Sans / generic sans-serif, in ems; wide enough that lines rarely overflow. */
export const GLYPH_EM = 0.58;

/**
 * Greedy word wrap to at most `maxChars` per line; words longer than a line are split. Past
 * `maxLines` the last line ends with an ellipsis.
 */
export function wrapText(text: string, maxChars: number, maxLines = Infinity): string[] {
  const limit = Math.max(4, Math.floor(maxChars));
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    while (word.length > limit) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, limit - 1) + '-');
      word = word.slice(limit - 1);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= limit) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, Math.max(1, maxLines));
  const last = kept[kept.length - 1]!;
  kept[kept.length - 1] = `${last.length >= limit ? last.slice(0, limit - 1) : last}…`;
  return kept;
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function parseHex(hex: string): Rgb | undefined {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!match) return undefined;
  const value = parseInt(match[1]!, 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

export function toHex({ r, g, b }: Rgb): string {
  const part = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
  return `#${part(r)}${part(g)}${part(b)}`;
}

export function mix(a: string, b: string, amount: number): string {
  const x = parseHex(a) ?? { r: 0, g: 0, b: 0 };
  const y = parseHex(b) ?? { r: 0, g: 0, b: 0 };
  return toHex({ r: x.r + (y.r - x.r) * amount, g: x.g + (y.g - x.g) * amount, b: x.b + (y.b - x.b) * amount });
}

/** WCAG relative luminance, 0 (black) .. 1 (white). */
export function luminance(hex: string): number {
  const c = parseHex(hex) ?? { r: 0, g: 0, b: 0 };
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export interface Colours {
  paper: string;
  ink: string;
  accent: string;
  /** Light tint for caption boxes and bubbles. */
  bubble: string;
}

const PAPER = '#f7f3e8';
const INK = '#1e1e24';
const ACCENT = '#7f95ab';

/**
 * Paper = the lightest palette colour, ink = the darkest (unless they are too close to read),
 * accent = the most saturated of the rest.
 */
export function coloursFrom(palette: readonly string[] | undefined): Colours {
  const valid = (palette ?? []).map((c) => c.trim().toLowerCase()).filter((c) => parseHex(c));
  if (valid.length === 0) return { paper: PAPER, ink: INK, accent: ACCENT, bubble: '#ffffff' };
  const sorted = [...valid].sort((a, b) => luminance(b) - luminance(a) || (a < b ? -1 : 1));
  let paper = sorted[0]!;
  let ink = sorted[sorted.length - 1]!;
  if (contrast(paper, ink) < 4.5) {
    if (luminance(paper) > 0.35) ink = INK;
    else {
      ink = paper;
      paper = PAPER;
    }
    if (contrast(paper, ink) < 4.5) ink = INK;
  }
  const rest = valid.filter((c) => c !== paper && c !== ink);
  const accent = rest.sort((a, b) => saturation(b) - saturation(a) || (a < b ? -1 : 1))[0] ?? mix(paper, ink, 0.45);
  return { paper, ink, accent, bubble: mix(paper, '#ffffff', 0.7) };
}

function saturation(hex: string): number {
  const c = parseHex(hex)!;
  const max = Math.max(c.r, c.g, c.b);
  const min = Math.min(c.r, c.g, c.b);
  return max === 0 ? 0 : (max - min) / max;
}

/** A colour named in free text ("red coat") tints a silhouette. */
const NAMED: [RegExp, string][] = [
  [/\b(red|crimson|scarlet)\b/, '#b3362f'],
  [/\b(blue|navy|azure)\b/, '#2f5fa8'],
  [/\b(green|emerald|olive)\b/, '#3d8a4a'],
  [/\b(yellow|blond|golden?)\b/, '#d6ac2a'],
  [/\b(orange|ginger)\b/, '#d9772b'],
  [/\b(purple|violet)\b/, '#7a4a9a'],
  [/\b(pink)\b/, '#d97aa0'],
  [/\b(brown|tan|leather)\b/, '#7a5536'],
  [/\b(white|silver|pale)\b/, '#d8d8d8'],
  [/\b(black|dark)\b/, '#2b2b2b'],
  [/\b(gr[ae]y)\b/, '#8a8a8a'],
];

export function namedColour(text: string | undefined): string | undefined {
  const lower = (text ?? '').toLowerCase();
  return NAMED.find(([pattern]) => pattern.test(lower))?.[1];
}
