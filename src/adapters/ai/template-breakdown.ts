/**
 * Offline scene breakdown and chapter generation: panels from the sentences of a scene
 * description (characters and locations found by name, quotes turned into bubbles, a shot
 * chosen from cue words and the panel's place in the scene), scenes from an outline's lines or
 * a summary's sentences. `variant` changes the grouping and the shot rhythm.
 */
import type { CharacterInput, LocationInput, SceneInput } from '../../lib/prompt-types.js';
import type { BubbleProposal, PanelProposal, SceneProposal } from '../../lib/text-tasks.js';
import { DEFAULT_MAX_PANELS, DEFAULT_MAX_SCENES } from '../../lib/prompt-text.js';
import { chunk, mentionedCharacters, mentionedLocations, sentencesOf, titleFrom } from './template-text.js';

export interface BreakdownInput {
  scene: SceneInput;
  characters: readonly CharacterInput[];
  locations: readonly LocationInput[];
  max_panels?: number;
}

const QUOTE = /["“]([^"”]{1,400})["”]/g;

export function breakdownScene({ scene, characters, locations, max_panels }: BreakdownInput, variant: number): { panels: PanelProposal[] } {
  const max = Math.max(1, Math.min(50, max_panels ?? DEFAULT_MAX_PANELS));
  const sentences = [scene.description, scene.summary, scene.title].map(sentencesOf).find((list) => list.length > 0) ?? [];
  const cast = characters.filter((c) => (scene.character_ids ?? []).includes(c.id));
  const home = scene.location_id ?? null;
  const homeName = locations.find((l) => l.id === home)?.name;

  let groups: string[][] = variant % 3 === 2 ? pairs(sentences) : sentences.map((s) => [s]);
  const opener = variant % 3 === 1 || sentences.length === 0;
  const room = opener ? max - 1 : max;
  groups = room > 0 ? chunk(groups, room).map((run) => run.flat()) : [];

  const panels: PanelProposal[] = [];
  if (opener) {
    panels.push({
      description: `Establishing shot${homeName ? ` of ${homeName}` : ''}${scene.title ? ` as "${scene.title}" begins` : ''}.`,
      shot_type: 'establishing',
      character_ids: cast.map((c) => c.id),
      location_id: home,
      dialogue: [],
    });
  }
  groups.forEach((group, index) => {
    const text = group.join(' ');
    const who = mentionedCharacters(text, characters);
    const place = mentionedLocations(text, locations)[0];
    const position = panels.length;
    const characterIds = who.length > 0 ? who.map((c) => c.id) : position === 0 ? cast.map((c) => c.id) : [];
    panels.push({
      description: text,
      shot_type: shotFor(text, who.length, position, index === groups.length - 1, variant),
      character_ids: characterIds,
      location_id: place?.id ?? home,
      dialogue: bubblesFrom(text, who),
    });
  });
  return { panels };
}

function pairs(sentences: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < sentences.length; i += 2) out.push(sentences.slice(i, i + 2));
  return out;
}

function shotFor(text: string, people: number, position: number, last: boolean, variant: number): PanelProposal['shot_type'] {
  const lower = text.toLowerCase();
  if (position === 0) return variant % 2 === 0 ? 'establishing' : 'wide';
  // Nobody named and an object mentioned: show the object.
  if (people === 0 && /\b(letter|key|phone|note|photo(graph)?|ring|map|gun|knife|screen|clock|watch|book|envelope|badge|cup|glass)\b/.test(lower)) return 'insert';
  if (/\b(eyes?|tears?|stares?|gaze|lips|whispers?)\b/.test(lower)) return people <= 1 ? 'extreme_close_up' : 'close_up';
  if (/\b(face|smiles?|frowns?|looks? at|glares?)\b/.test(lower)) return 'close_up';
  if (/\b(over (his|her|their) shoulder|behind (him|her|them))\b/.test(lower)) return 'over_the_shoulder';
  if (/\b(sees|through the|peers?|watches)\b/.test(lower)) return 'pov';
  if (last) return variant % 2 === 0 ? 'wide' : 'close_up';
  if (/["“][^"”]+["”]/.test(text)) return people === 1 ? 'close_up' : 'medium';
  return (position + variant) % 2 === 0 ? 'wide' : 'medium';
}

/** Quoted speech becomes bubbles; the verb picks the kind, the nearest name before the quote the speaker. */
export function bubblesFrom(text: string, who: readonly CharacterInput[]): BubbleProposal[] {
  const bubbles: BubbleProposal[] = [];
  for (const match of text.matchAll(QUOTE)) {
    const quote = match[1]!.trim();
    if (!quote) continue;
    const around = text.slice(Math.max(0, match.index - 60), match.index + match[0].length + 40).toLowerCase();
    if (/^[A-Z!?.\s-]{3,}$/.test(quote) && /[A-Z]{3,}/.test(quote)) {
      bubbles.push({ type: 'sfx', character_id: null, text: quote });
      continue;
    }
    const before = text.slice(0, match.index);
    const speaker = [...who].sort((a, b) => lastMention(before, b) - lastMention(before, a))[0];
    const type: BubbleProposal['type'] = /\b(shouts?|yells?|screams?|roars?)\b/.test(around)
      ? 'shout'
      : /\b(whispers?|murmurs?|mutters?)\b/.test(around)
        ? 'whisper'
        : /\b(thinks?|wonders?)\b/.test(around)
          ? 'thought'
          : 'speech';
    bubbles.push(speaker ? { type, character_id: speaker.id, text: quote } : { type: 'caption', character_id: null, text: quote });
  }
  return bubbles;
}

function lastMention(text: string, character: CharacterInput): number {
  const lower = text.toLowerCase();
  return Math.max(lower.lastIndexOf(character.name.toLowerCase()), lower.lastIndexOf((character.name.split(/\s+/)[0] ?? '').toLowerCase()));
}

export interface ChapterInputs {
  title?: string;
  summary?: string;
  outline?: string;
  characters: readonly CharacterInput[];
  locations: readonly LocationInput[];
  max_scenes?: number;
}

/** Outline lines (bullets and numbers stripped) or the summary's sentences become scenes. */
export function generateChapter(input: ChapterInputs, variant: number): { scenes: SceneProposal[] } {
  const max = Math.max(1, Math.min(30, input.max_scenes ?? DEFAULT_MAX_SCENES));
  const fromOutline = (input.outline ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)]|[a-z][.)])\s*/i, '').trim())
    .filter(Boolean);
  const items = fromOutline.length > 0 ? fromOutline : [input.summary, input.title].map(sentencesOf).find((list) => list.length > 0) ?? ['The chapter begins.'];
  // Variants: one scene per item, pairs of items, or one per item whose panels open on an establishing shot.
  const grouped = variant % 3 === 1 ? pairs(items) : items.map((item) => [item]);
  const panelVariant = variant % 3 === 1 ? 2 : variant % 3 === 2 ? 1 : 0;
  const scenes = chunk(grouped, max).map((run) => run.flat());
  let previousLocation: string | null = null;
  return {
    scenes: scenes.map((group) => {
      const description = group.join(' ');
      const place = mentionedLocations(description, input.locations)[0]?.id ?? (variant % 3 === 1 ? previousLocation : null);
      previousLocation = place;
      const characterIds = mentionedCharacters(description, input.characters).map((c) => c.id);
      const scene: SceneInput = { description, location_id: place, character_ids: characterIds };
      const { panels } = breakdownScene({ scene, characters: input.characters, locations: input.locations, max_panels: 4 }, panelVariant + 3 * Math.floor(variant / 3));
      return { title: titleFrom(description), description, location_id: place, character_ids: characterIds, panels };
    }),
  };
}
