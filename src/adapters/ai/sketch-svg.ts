/**
 * The storyboard panel as an SVG document: a frame in the requested size with the palette's
 * paper and ink, scenery and location cue, labelled characters composed by shot type, dialogue
 * bubbles, and a footer with the framing and the panel description. Everything random comes
 * from one PRNG seeded by (seed, prompt, sketch), so equal inputs give an identical document.
 */
import type { SceneSketch } from '../../ports/ai-providers.js';
import { createRng, hash32, type Rng } from './prng.js';
import { drawBubbles } from './sketch-bubbles.js';
import { drawFigure, figureFill } from './sketch-figures.js';
import { compose, shotKey, type Box, type Composition } from './sketch-layout.js';
import { drawScenery, locationSlug } from './sketch-scenery.js';
import { GLYPH_EM, coloursFrom, escapeXml, mix, n, wrapText, type Colours } from './svg-util.js';

export interface SketchSvgInput {
  width: number;
  height: number;
  prompt: string;
  seed: number;
  sketch?: SceneSketch;
  /** Leave the paper transparent so a faded source image shows through (variations, style transfer). */
  backdrop?: boolean;
}

const SHOT_NAMES: Record<string, string> = {
  establishing: 'ESTABLISHING',
  wide: 'WIDE',
  medium: 'MEDIUM',
  close_up: 'CLOSE-UP',
  extreme_close_up: 'EXTREME CLOSE-UP',
  over_the_shoulder: 'OVER THE SHOULDER',
  pov: 'POV',
  insert: 'INSERT',
};

export function renderSketchSvg(input: SketchSvgInput): string {
  const { width: W, height: H } = input;
  const sketch: SceneSketch = input.sketch ?? { description: input.prompt, shot_type: 'wide' };
  const rng = createRng(hash32(`${input.seed}|${input.prompt}|${canonical(sketch)}`));
  const colours = coloursFrom(sketch.palette);
  const fontSize = Math.min(40, Math.max(10, Math.round(Math.min(W, H) * 0.028)));
  const margin = Math.round(Math.min(W, H) * 0.035);

  const cast = (sketch.characters ?? []).filter((c) => c.name.trim()).map((c) => ({ name: c.name.trim(), appearance: c.appearance }));
  const probe: Box = { x: margin, y: margin, w: W - margin * 2, h: H - margin * 2 };
  const footer = footerLines(sketch, probe.w, fontSize, input.prompt);
  // Who the framing leaves out depends on the shot and the cast only, not on the frame size.
  const leftOut = compose(probe, sketch.shot_type, sketch.camera_angle, cast, createRng(0)).hidden.length > 0 ? 1 : 0;
  const footerRows = Math.min(4, footer.lines.length + leftOut);
  const footerHeight = footerRows > 0 ? footerRows * fontSize * 1.1 + fontSize * 0.9 + margin * 0.4 : 0;
  const frame: Box = { ...probe, h: Math.max(fontSize * 4, probe.h - footerHeight) };
  const composition = compose(frame, sketch.shot_type, sketch.camera_angle, cast, rng);

  const scenery = drawScenery({ frame, composition, location: sketch.location, description: sketch.description ?? input.prompt, colours, fontSize, rng });
  const figures = [...composition.figures].sort((a, b) => a.r - b.r).map((figure) => drawFigure(figure, colours, figureFill(figure, colours, rng), fontSize));
  const extras = shotExtras(composition, frame, colours, fontSize, sketch, rng);
  const centre = `${n(frame.x + frame.w / 2)} ${n(frame.y + frame.h / 2)}`;
  const picture = `<g transform="rotate(${n(composition.tilt)} ${centre})"><g${input.backdrop ? ' opacity="0.55"' : ''}>${scenery}</g>${figures.join('')}${extras}</g>`;
  const bubbles = drawBubbles(frame, sketch.dialogue ?? [], composition.figures, colours, fontSize, rng);
  const offPanel = composition.hidden.length > 0 ? [`Off panel: ${composition.hidden.join(', ')}`] : [];

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<defs><clipPath id="frame"><rect x="${n(frame.x)}" y="${n(frame.y)}" width="${n(frame.w)}" height="${n(frame.h)}"/></clipPath></defs>`,
    input.backdrop ? '' : `<rect width="${W}" height="${H}" fill="${mix(colours.paper, '#ffffff', 0.35)}"/>`,
    input.backdrop ? '' : `<rect x="${n(frame.x)}" y="${n(frame.y)}" width="${n(frame.w)}" height="${n(frame.h)}" fill="${colours.paper}"/>`,
    `<g clip-path="url(#frame)">${picture}${bubbles}${locationSlug(sketch.location, frame, colours, fontSize)}</g>`,
    border(frame, colours, fontSize, rng),
    footerSvg([...footer.lines, ...offPanel].slice(0, 4), frame, fontSize, colours, footer.hasHeader, footer.lines.length),
    '</svg>',
  ].join('');
}

/** Header (framing, camera angle, caption) and up to two lines of description. */
function footerLines(sketch: SceneSketch, width: number, fontSize: number, prompt: string): { lines: string[]; hasHeader: boolean } {
  const shot = SHOT_NAMES[shotKey(sketch.shot_type)] ?? 'MEDIUM';
  const header = [sketch.shot_type ? shot : undefined, sketch.camera_angle?.trim() || undefined, sketch.caption?.trim() || undefined].filter(Boolean).join(' · ');
  const maxChars = width / (fontSize * 0.85 * GLYPH_EM);
  const description = (sketch.description ?? '').trim() || (sketch.shot_type ? '' : prompt.trim());
  const lines = header ? [wrapText(header, maxChars, 1)[0]!] : [];
  return { lines: [...lines, ...(description ? wrapText(description, maxChars, 2) : [])], hasHeader: lines.length > 0 };
}

function footerSvg(lines: readonly string[], frame: Box, fontSize: number, colours: Colours, boldFirst: boolean, italicFrom: number): string {
  if (lines.length === 0) return '';
  const size = fontSize * 0.85;
  const top = frame.y + frame.h + fontSize * 0.4;
  return lines
    .map((line, index) => {
      const weight = index === 0 && boldFirst ? ' font-weight="bold"' : index >= italicFrom ? ' font-style="italic"' : '';
      return `<text x="${n(frame.x)}" y="${n(top + size * 1.3 * (index + 1))}" font-family="sans-serif" font-size="${n(size)}"${weight} fill="${colours.ink}">${escapeXml(line)}</text>`;
    })
    .join('');
}

/** A slightly hand-drawn frame line. */
function border({ x, y, w, h }: Box, colours: Colours, fontSize: number, rng: Rng): string {
  const j = () => rng.range(-1.5, 1.5);
  const d = `M${n(x + j())} ${n(y + j())} L${n(x + w + j())} ${n(y + j())} L${n(x + w + j())} ${n(y + h + j())} L${n(x + j())} ${n(y + h + j())} Z`;
  return `<path d="${d}" fill="none" stroke="${colours.ink}" stroke-width="${n(Math.max(2, fontSize * 0.18))}" stroke-linejoin="round"/>`;
}

/** The insert shot's object with zoom lines; the POV shot's hands in the foreground. */
function shotExtras(composition: Composition, frame: Box, colours: Colours, fontSize: number, sketch: SceneSketch, rng: Rng): string {
  const { x, y, w, h } = frame;
  const cx = x + w / 2;
  const cy = y + h * 0.55;
  if (composition.shot === 'insert') {
    const ow = w * rng.range(0.35, 0.5);
    const oh = h * rng.range(0.2, 0.3);
    const lines: string[] = [];
    const count = rng.int(14, 22);
    for (let i = 0; i < count; i++) {
      const angle = (i / count) * Math.PI * 2 + rng.range(-0.1, 0.1);
      const inner = Math.max(ow, oh) * 0.65;
      const outer = Math.max(w, h);
      lines.push(`M${n(cx + Math.cos(angle) * inner)} ${n(cy + Math.sin(angle) * inner)} L${n(cx + Math.cos(angle) * outer)} ${n(cy + Math.sin(angle) * outer)}`);
    }
    const label = (sketch.description ?? '').split(/\s+/).slice(0, 5).join(' ');
    const labelLines = wrapText(label, (ow * 0.9) / (fontSize * GLYPH_EM), 2);
    return (
      `<path d="${lines.join(' ')}" stroke="${colours.ink}" stroke-opacity="0.5" stroke-width="1.5"/>` +
      `<rect x="${n(cx - ow / 2)}" y="${n(cy - oh / 2)}" width="${n(ow)}" height="${n(oh)}" rx="${n(fontSize)}" fill="${colours.bubble}" stroke="${colours.ink}" stroke-width="2.5"/>` +
      `<text font-family="sans-serif" font-size="${n(fontSize)}" text-anchor="middle" fill="${colours.ink}">${labelLines
        .map((line, i) => `<tspan x="${n(cx)}" y="${n(cy + fontSize * (0.35 + (i - (labelLines.length - 1) / 2) * 1.2))}">${escapeXml(line)}</tspan>`)
        .join('')}</text>`
    );
  }
  if (composition.shot === 'pov') {
    const fill = mix(colours.accent, colours.paper, 0.2);
    return [-1, 1]
      .map((side) => {
        const hx = cx + side * w * rng.range(0.22, 0.3);
        return `<ellipse cx="${n(hx)}" cy="${n(y + h * 0.97)}" rx="${n(w * 0.09)}" ry="${n(h * 0.12)}" transform="rotate(${n(side * -20)} ${n(hx)} ${n(y + h * 0.97)})" fill="${fill}" stroke="${colours.ink}" stroke-width="2"/>`;
      })
      .join('');
  }
  return '';
}

/** JSON with sorted keys, so equal sketches seed equally whatever order their fields were set in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
