/**
 * Offline text for the SPEC task types, written only from the project's own data. Each task
 * has three templates; `variant` picks one (and beyond three, reorders what it lists).
 */
import { shotLabel } from '../../lib/prompt.js';
import type { ChapterInput, CharacterInput, LocationInput, PanelInput, SceneInput, StyleGuideInput } from '../../lib/prompt-types.js';
import type { BubbleProposal, CharacterProfile } from '../../lib/text-tasks.js';
import { bubblesFrom } from './template-breakdown.js';
import { ensurePeriod, listOf, lowerFirst, mentionedCharacters, namesOf, sentencesOf, upperFirst } from './template-text.js';

interface Lookups {
  characters: readonly CharacterInput[];
  locations: readonly LocationInput[];
}

const placeName = (id: string | null | undefined, { locations }: Lookups) => (id ? locations.find((l) => l.id === id)?.name : undefined);
/** Rotates a list by the variant's round, so variants past the templates still differ. */
const rotate = <T>(items: readonly T[], variant: number): T[] => {
  const by = items.length > 0 ? Math.floor(variant / 3) % items.length : 0;
  return [...items.slice(by), ...items.slice(0, by)];
};

export function sceneSummary(scene: SceneInput, data: Lookups, variant: number): string {
  const panels = scene.panels ?? [];
  const beats = panels.map((p) => p.description?.trim() || p.visual_prompt?.trim() || '').filter(Boolean);
  const story = beats.length > 0 ? beats : sentencesOf(scene.description || scene.summary);
  const who = listOf(namesOf([...(scene.character_ids ?? []), ...panels.flatMap((p) => p.character_ids ?? [])], data.characters));
  const where = placeName(scene.location_id, data);
  const lines = panels
    .flatMap((p) => p.dialogue ?? [])
    .filter((b) => b.character_id && b.text.trim())
    .map((b) => `${data.characters.find((c) => c.id === b.character_id)?.name ?? 'Someone'}: "${b.text.trim()}"`);
  const title = scene.title?.trim() ? `"${scene.title.trim()}"` : 'The scene';
  const setting = [where && `takes place at ${where}`, who && `with ${who}`].filter(Boolean).join(' ') || 'unfolds';
  if (story.length === 0) return `${title} ${setting}. Nothing happens in it yet.`;
  const [first, ...rest] = story;
  const last = rest[rest.length - 1];
  switch (variant % 3) {
    case 0:
      return [`${title} ${setting}.`, ...rotate(story, variant).slice(0, 6).map(ensurePeriod), lines[0] ? `Key line - ${lines[0]}` : ''].filter(Boolean).join(' ');
    case 1: {
      const middle = rest.slice(0, -1).map((b) => lowerFirst(b.replace(/[.!?]+$/, '')));
      const flow = [`It opens as ${lowerFirst(first!.replace(/[.!?]+$/, ''))}`, ...middle.slice(0, 3).map((b) => `then ${b}`)].join(', ');
      return `${flow}${last ? `, and it ends as ${lowerFirst(last.replace(/[.!?]+$/, ''))}` : ''}. ${title} ${setting}.`;
    }
    default: {
      const spoken = rotate(lines, variant).slice(0, 3);
      return [`${who ? upperFirst(who) : 'The characters'} ${where ? `at ${where}` : ''}`.trim() + ':', ensurePeriod(first!), ...(spoken.length > 0 ? [ensurePeriod(`In their words: ${spoken.join(' / ')}`)] : rest.slice(0, 2).map(ensurePeriod))].join(' ');
    }
  }
}

export function chapterOutline(chapter: ChapterInput, data: Lookups, variant: number): string {
  const scenes = chapter.scenes ?? [];
  const gist = (s: SceneInput) => sentencesOf(s.summary || s.description)[0] ?? '';
  if (scenes.length === 0) {
    const beats = sentencesOf(chapter.summary);
    if (beats.length === 0) return `1. ${chapter.title?.trim() || 'The chapter'} has no scenes or summary yet.`;
    return rotate(beats, variant)
      .map((beat, i) => (variant % 3 === 1 ? `- ${ensurePeriod(beat)}` : `${i + 1}. ${ensurePeriod(beat)}`))
      .join('\n');
  }
  switch (variant % 3) {
    case 0:
      return scenes.map((s, i) => `${i + 1}. ${s.title?.trim() || `Scene ${i + 1}`}${gist(s) ? `: ${ensurePeriod(gist(s))}` : ''}`).join('\n');
    case 1:
      return scenes
        .map((s, i) => {
          const where = placeName(s.location_id, data);
          const who = listOf(namesOf(s.character_ids, data.characters));
          return `- ${s.title?.trim() || `Scene ${i + 1}`}${where ? ` (${where})` : ''}${who ? ` with ${who}` : ''}${gist(s) ? ` - ${ensurePeriod(gist(s))}` : ''} [${(s.panels ?? []).length} panels]`;
        })
        .join('\n');
    default: {
      const names = scenes.map((s, i) => s.title?.trim() || `scene ${i + 1}`);
      if (names.length === 1) return `The chapter is a single scene, "${names[0]}". ${ensurePeriod(gist(scenes[0]!))}`.trim();
      const middle = names.slice(1, -1);
      return `The chapter opens with "${names[0]}"${middle.length ? `, moves through ${listOf(middle.map((n) => `"${n}"`))}` : ''} and closes with "${names[names.length - 1]}".`;
    }
  }
}

export function panelDescription(panel: PanelInput, scene: SceneInput | undefined, data: Lookups, variant: number): string {
  const who = listOf(namesOf(panel.character_ids, data.characters));
  const where = placeName(panel.location_id ?? scene?.location_id, data);
  const shot = shotLabel(panel.shot_type);
  const action = panel.description?.trim() || panel.visual_prompt?.trim() || sentencesOf(scene?.description)[0] || '';
  const camera = panel.camera_angle?.trim();
  switch (variant % 3) {
    case 0:
      return [`${shot ?? 'A panel'}${who ? ` of ${who}` : ''}${where ? ` at ${where}` : ''}${camera ? `, ${camera}` : ''}.`, ensurePeriod(action)].filter(Boolean).join(' ');
    case 1:
      return `${where ? `${where}: ` : ''}${who || 'the scene'}${action ? ` - ${lowerFirst(action.replace(/[.!?]+$/, ''))}` : ''}${shot || camera ? ` (${[shot?.toLowerCase(), camera].filter(Boolean).join(', ')})` : ''}.`;
    default:
      return [ensurePeriod(action), `We see ${who || (where ? where : 'the setting')}${shot ? ` in a ${shot.toLowerCase()}` : ''}${camera ? ` from a ${camera}` : ''}${who && where ? ` at ${where}` : ''}.`].filter(Boolean).join(' ');
  }
}

export function visualPrompt(panel: PanelInput, scene: SceneInput | undefined, style: StyleGuideInput, data: Lookups, variant: number): string {
  const people = (panel.character_ids ?? []).map((id) => data.characters.find((c) => c.id === id)).filter((c): c is CharacterInput => !!c);
  const figures = rotate(people, variant).map((c) => (c.appearance?.trim() ? `${c.name} (${c.appearance.trim()})` : c.name));
  const place = data.locations.find((l) => l.id === (panel.location_id ?? scene?.location_id));
  const setting = place ? (place.description?.trim() ? `${place.name}, ${place.description.trim()}` : place.name) : undefined;
  const action = (panel.description?.trim() || sentencesOf(scene?.description)[0] || '').replace(/[.!?]+$/, '');
  const framing = [shotLabel(panel.shot_type)?.toLowerCase(), panel.camera_angle?.trim()].filter(Boolean).join(', ');
  const styleBits = [style.art_style, style.line_style && `${style.line_style} lines`, style.mood && `${style.mood} mood`, style.lighting && `${style.lighting} lighting`, style.color_palette?.length ? `palette ${style.color_palette.join(' ')}` : '']
    .map((s) => s?.trim())
    .filter((s): s is string => !!s);
  switch (variant % 3) {
    case 0:
      return [framing, ...figures, action, setting, ...styleBits].filter(Boolean).join(', ');
    case 1:
      return `${upperFirst(framing || 'panel')}${figures.length ? ` of ${listOf(figures)}` : ''}${setting ? ` in ${setting}` : ''}${action ? `: ${lowerFirst(action)}` : ''}.${styleBits.length ? ` Style: ${styleBits.join(', ')}.` : ''}`;
    default:
      return [...styleBits, framing, action, ...figures, setting].filter(Boolean).join(', ');
  }
}

const ROLES = ['supporting character', 'recurring character', 'side character'];

export function characterProfile(character: CharacterInput, variant: number): CharacterProfile {
  const { name } = character;
  const traits = character.traits?.length
    ? [...character.traits]
    : (character.personality ?? '')
        .split(/[,;]|\band\b/)
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t && t.split(/\s+/).length <= 3)
        .slice(0, 5);
  const role = character.role?.trim() || ROLES[variant % 3]!;
  const traitText = listOf(rotate(traits, variant));
  const fill = (value: string | undefined, options: string[]) => value?.trim() || options[variant % options.length]!;
  return {
    role,
    description: fill(character.description, [
      `${name} is a ${role}${traitText ? `, ${traitText}` : ''}.`,
      `${upperFirst(role)} ${name}${traitText ? ` - ${traitText}` : ''}.`,
      `${name}${traitText ? `, ${traitText},` : ''} plays the part of a ${role} in the story.`,
    ]),
    appearance: fill(character.appearance, [
      `${name}'s look is not described yet; keep it consistent with a ${role}.`,
      `To be designed: ${name} should read at a glance as a ${role}.`,
      `Undecided - give ${name} one distinctive feature that fits a ${role}.`,
    ]),
    personality: fill(character.personality, traitText ? [`${upperFirst(traitText)}.`, `${name} is ${traitText}.`, `Mostly ${traitText}.`] : [`Not described yet.`, `To be written.`, `Open for now.`]),
    backstory: fill(character.backstory, [`${name}'s past is not written yet.`, `Backstory to be written for ${name}.`, `Unknown so far - what brought ${name} here is still open.`]),
    traits,
  };
}

const LINES = ["We don't have much time.", 'Did you see that?', 'Stay close to me.', 'I knew it would come to this.', 'Not here. Not now.', 'Tell me everything.'];

export function dialogue(panel: PanelInput, scene: SceneInput | undefined, data: Lookups, variant: number): BubbleProposal[] {
  const people = (panel.character_ids ?? []).map((id) => data.characters.find((c) => c.id === id)).filter((c): c is CharacterInput => !!c);
  const text = panel.description ?? '';
  const named = mentionedCharacters(text, people);
  const quoted = bubblesFrom(text, named.length > 0 ? named : people);
  const where = placeName(panel.location_id ?? scene?.location_id, data);
  const bubbles: BubbleProposal[] = [];
  if (variant % 3 === 0 && where) bubbles.push({ type: 'caption', character_id: null, text: `${where}.` });
  if (quoted.length > 0) bubbles.push(...quoted);
  else {
    const speakers = rotate(people, variant);
    speakers.slice(0, 3).forEach((person, index) => {
      const other = speakers[(index + 1) % speakers.length];
      let line = LINES[(variant + index * 2) % LINES.length]!;
      if (index === 0 && other && other.id !== person.id) line = `${other.name.split(/\s+/)[0]}, ${lowerFirst(line)}`;
      const type = variant % 3 === 1 && index === 0 ? 'thought' : variant % 3 === 2 && index === 0 ? 'shout' : 'speech';
      bubbles.push({ type, character_id: person.id, text: type === 'shout' ? line.toUpperCase() : line });
    });
    if (speakers.length === 0) bubbles.push({ type: 'caption', character_id: null, text: ensurePeriod(sentencesOf(text || scene?.description)[0] ?? 'Meanwhile...') });
  }
  return bubbles;
}
