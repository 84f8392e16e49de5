/**
 * Composition of a storyboard panel by shot type: where the horizon sits, how big the
 * characters are and where they stand, tilted or not by the camera angle. Pure geometry;
 * sketch-svg.ts draws it.
 */
import type { Rng } from './prng.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Crop = 'full' | 'waist' | 'head' | 'face';

export interface Figure {
  name: string;
  appearance?: string;
  /** Head centre and radius. */
  cx: number;
  cy: number;
  r: number;
  crop: Crop;
  /** Seen from behind (over-the-shoulder foreground). */
  back?: boolean;
  /** Arm pose, -1..1. */
  pose: number;
}

export type ShotKey = 'establishing' | 'wide' | 'medium' | 'close_up' | 'extreme_close_up' | 'over_the_shoulder' | 'pov' | 'insert';

export interface Composition {
  shot: ShotKey;
  /** y of the horizon, or null when the shot is too close to show one. */
  horizon: number | null;
  figures: Figure[];
  /** Characters in the panel that the framing leaves out. */
  hidden: string[];
  /** Scale and opacity of the location shapes (big in an establishing shot, faint in a close-up). */
  cueScale: number;
  cueOpacity: number;
  /** Degrees; a dutch angle tilts the whole picture. */
  tilt: number;
  /** Eye-level change from the camera angle, -1 (high) .. 1 (low). */
  lowness: number;
}

const SHOTS: readonly ShotKey[] = ['establishing', 'wide', 'medium', 'close_up', 'extreme_close_up', 'over_the_shoulder', 'pov', 'insert'];

export function shotKey(shot: string | null | undefined): ShotKey {
  const key = (shot ?? '').toLowerCase().replace(/[\s-]+/g, '_');
  return (SHOTS as readonly string[]).includes(key) ? (key as ShotKey) : 'medium';
}

/** low angle -> 1, high / bird's eye -> -1, eye level -> 0. */
export function angleOf(camera: string | null | undefined): { lowness: number; dutch: boolean } {
  const text = (camera ?? '').toLowerCase();
  const lowness = /worm/.test(text) ? 1 : /low/.test(text) ? 0.7 : /bird|overhead|top[\s-]?down|aerial/.test(text) ? -1 : /high/.test(text) ? -0.7 : 0;
  return { lowness, dutch: /dutch|tilt|cant/.test(text) };
}

export interface CastMember {
  name: string;
  appearance?: string;
}

export function compose(frame: Box, shotType: string | null | undefined, camera: string | null | undefined, cast: readonly CastMember[], rng: Rng): Composition {
  const shot = shotKey(shotType);
  const { lowness, dutch } = angleOf(camera);
  const tilt = dutch ? rng.pick([-1, 1]) * rng.range(6, 10) : 0;
  const { x, y, w, h } = frame;
  const jitter = (amount: number) => rng.range(-amount, amount);
  const spread = (count: number, index: number, from = 0.12, to = 0.88) => x + w * (count === 1 ? 0.5 + jitter(0.12) : from + ((to - from) * index) / (count - 1) + jitter(0.03));
  const horizonAt = (fraction: number) => y + h * Math.min(0.92, Math.max(0.15, fraction + lowness * 0.22));
  const figure = (member: CastMember, cx: number, cy: number, r: number, crop: Crop, back = false): Figure => ({ ...member, cx, cy, r, crop, back, pose: jitter(1) });
  const split = (max: number) => ({ shown: cast.slice(0, max), hidden: cast.slice(max).map((c) => c.name) });
  const scale = 1 + lowness * 0.12;

  switch (shot) {
    case 'establishing':
    case 'wide': {
      const wide = shot === 'wide';
      const { shown, hidden } = split(wide ? 5 : 6);
      const horizon = horizonAt(wide ? 0.58 : 0.62);
      const height = h * (wide ? 0.36 : 0.15) * scale;
      const feet = y + h * (wide ? 0.93 : 0.86);
      const figures = shown.map((member, index) => {
        const depth = rng.range(0.85, 1.08);
        const r = (height * depth) / 15;
        return figure(member, spread(shown.length, index), feet - (1 - depth) * h * 0.1 - 14 * r, r, 'full');
      });
      return { shot, horizon, figures, hidden, cueScale: wide ? 1 : 1.35, cueOpacity: 1, tilt, lowness };
    }
    case 'medium': {
      const { shown, hidden } = split(3);
      const r = Math.min(h * 0.075, (w * 0.8) / (shown.length * 3.6)) * scale;
      const figures = shown.map((member, index) => figure(member, spread(shown.length, index, 0.2, 0.8), y + h * (0.47 + jitter(0.04)) + lowness * h * 0.06, r, 'waist'));
      return { shot, horizon: horizonAt(0.5), figures, hidden, cueScale: 0.8, cueOpacity: 0.8, tilt, lowness };
    }
    case 'close_up': {
      const [lead, ...rest] = cast;
      const figures: Figure[] = [];
      const side = rng.pick([-1, 1]);
      if (lead) figures.push(figure(lead, x + w * (0.5 + side * rng.range(0.02, 0.1)), y + h * (0.47 + lowness * 0.05), Math.min(w, h) * 0.22 * scale, 'head'));
      const extra = rest.slice(0, 2).map((member, index) => figure(member, x + w * (index === 0 ? 0.5 - side * 0.36 : 0.5 + side * 0.38), y + h * 0.62, Math.min(w, h) * 0.07, 'waist'));
      figures.unshift(...extra);
      return { shot, horizon: null, figures, hidden: rest.slice(2).map((c) => c.name), cueScale: 0.7, cueOpacity: 0.35, tilt, lowness };
    }
    case 'extreme_close_up': {
      const [lead, ...rest] = cast;
      const figures = lead ? [figure(lead, x + w * (0.5 + jitter(0.08)), y + h * (0.56 + jitter(0.04)), Math.max(w, h) * 0.42, 'face')] : [];
      return { shot, horizon: null, figures, hidden: rest.map((c) => c.name), cueScale: 0.6, cueOpacity: 0.2, tilt, lowness };
    }
    case 'over_the_shoulder': {
      const side = rng.pick([-1, 1]);
      const [near, far, ...rest] = cast.length === 1 ? [{ name: '' }, cast[0]!] : cast;
      const figures: Figure[] = [];
      if (far) figures.push(figure(far, x + w * (0.5 - side * 0.18), y + h * (0.42 + jitter(0.03)), h * 0.075, 'waist'));
      if (near) figures.push(figure(near, x + w * (0.5 + side * 0.3), y + h * 0.8, Math.min(w, h) * 0.22, 'head', true));
      return { shot, horizon: horizonAt(0.48), figures, hidden: rest.map((c) => c.name), cueScale: 0.8, cueOpacity: 0.7, tilt, lowness };
    }
    case 'pov': {
      const { shown, hidden } = split(3);
      const horizon = horizonAt(0.5);
      const r = h * 0.03 * scale;
      const figures = shown.map((member, index) => figure(member, spread(shown.length, index, 0.3, 0.7), horizon + h * 0.22 - 14 * r, r, 'full'));
      return { shot, horizon, figures, hidden, cueScale: 0.9, cueOpacity: 0.9, tilt, lowness };
    }
    case 'insert':
      return { shot, horizon: null, figures: [], hidden: cast.map((c) => c.name), cueScale: 0.5, cueOpacity: 0.25, tilt, lowness };
  }
}
