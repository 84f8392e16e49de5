/**
 * Text-task prompts (system + user) from a TextTaskInput. The user prompt is ranked blocks
 * fitted to the provider's limit with the same rule as image prompts (src/lib/prompt.ts):
 * style notes, project description, general instructions, location and style details go
 * before the target itself, which is never dropped. A revise request and its feedback are
 * part of the prompt, so the job's stored prompt shows them.
 */
import { RANK, feedbackText, instructionParts, shotLabel } from './prompt.js';
import { blocks, fitParts, type PromptPart } from './prompt-parts.js';
import type { CharacterInput, LocationInput, PanelInput, SceneInput, StyleGuideInput } from './prompt-types.js';
import { TEXT_TASKS, type TextTaskInput } from './text-tasks.js';

export interface TextPrompt {
  system: string;
  prompt: string;
  schema?: Record<string, unknown>;
  dropped: string[];
}

const SYSTEM =
  'You help a writer make a graphic novel. Stay consistent with the project data you are given. ' +
  'Use only the characters and locations listed and refer to them by the ids in square brackets. ' +
  "Follow the writer's instructions in the order given; a later one refines an earlier one.";

export const DEFAULT_MAX_PANELS = 8;
export const DEFAULT_MAX_SCENES = 6;

function taskRule(input: TextTaskInput): string {
  switch (input.task) {
    case 'scene_summary':
      return 'Summarise the scene in 2 to 4 sentences of plain prose. Answer with the summary only.';
    case 'character_profile':
      return 'Write the character profile. Keep every fact already given and fill in what is missing. Answer in JSON.';
    case 'panel_description':
      return 'Describe in 1 to 3 sentences what the panel shows: who, where, doing what, and how it is framed. Answer with the description only.';
    case 'dialogue':
      return 'Write the dialogue bubbles of the panel in reading order: speech, thought, whisper or shout by a character (character_id), caption or sfx with character_id null. Keep each line short. Answer in JSON.';
    case 'chapter_outline':
      return 'Outline the chapter as a numbered list of beats, one line each. Answer with the outline only.';
    case 'visual_prompt':
      return "Write one image-generation prompt for the panel: framing, each character's look, the setting, the action, and the style guide's art style, palette, mood and lighting, as comma-separated phrases without dialogue text. Answer with the prompt only.";
    case 'breakdown':
      return `Break the scene down into at most ${input.max_panels ?? DEFAULT_MAX_PANELS} panels in reading order, each with a description, a shot type, the characters in it, the location and its dialogue. Answer in JSON.`;
    case 'generate_chapter':
      return `Propose the chapter's scenes (at most ${input.max_scenes ?? DEFAULT_MAX_SCENES}) in reading order, each with a title, a description, its location, its characters and its panels. Answer in JSON.`;
  }
}

export function buildTextPrompt(input: TextTaskInput, maxPromptLength: number): TextPrompt {
  const system = `${SYSTEM}\n${taskRule(input)}`;
  const parts: PromptPart[] = [];
  const core = (label: string, text: string | undefined) => {
    if (text?.trim()) parts.push({ label, text, rank: RANK.core });
  };

  const { project } = input;
  const about = [project.genre ? `${project.title} (${project.genre})` : project.title, project.description].filter(Boolean).join(': ');
  parts.push({ label: 'project', text: `Project: ${about}`, rank: RANK.projectContext, short: `Project: ${project.title}` });
  parts.push(...styleBlock(input.style_guide, input.task === 'visual_prompt'));

  const { characters, locations } = relevant(input);
  if (characters.length > 0) {
    parts.push({
      label: 'characters',
      text: `Characters:\n${characters.map(characterLine).join('\n')}`,
      rank: RANK.characterDetail,
      short: `Characters:\n${characters.map((c) => `- ${c.name} [${c.id}]`).join('\n')}`,
    });
  }
  if (locations.length > 0) {
    parts.push({
      label: 'locations',
      text: `Locations:\n${locations.map((l) => `- ${l.name} [${l.id}]${l.description ? `: ${l.description}` : ''}`).join('\n')}`,
      rank: RANK.locationDetail,
      short: `Locations:\n${locations.map((l) => `- ${l.name} [${l.id}]`).join('\n')}`,
    });
  }

  switch (input.task) {
    case 'scene_summary':
    case 'breakdown':
      core('scene', sceneText(input.scene));
      if (input.scene.panels?.length) parts.push(panelsBlock(input.scene.panels, input.characters, input.task === 'breakdown' ? 'Existing panels' : 'Panels'));
      break;
    case 'character_profile':
      core('character', `Character:\n${profileLines(input.character)}`);
      break;
    case 'panel_description':
    case 'dialogue':
    case 'visual_prompt':
      if (input.scene) parts.push({ label: 'scene', text: sceneText(input.scene), rank: RANK.secondaryContent });
      core('panel', `Panel:\n${panelText(input.panel, input.characters)}`);
      break;
    case 'chapter_outline':
    case 'generate_chapter': {
      const { chapter } = input;
      core('chapter', `Chapter: ${chapter.title ?? ''}${chapter.summary ? `\nSummary: ${chapter.summary}` : ''}`);
      if (input.task === 'generate_chapter') core('outline', input.outline ? `Outline:\n${input.outline}` : undefined);
      const scenes = chapter.scenes ?? [];
      if (scenes.length > 0) {
        parts.push({
          label: 'scenes',
          text: `${input.task === 'generate_chapter' ? 'Existing scenes' : 'Scenes'}:\n${scenes.map((s, i) => `${i + 1}. ${s.title ?? 'Untitled'}: ${s.summary || s.description || ''}`.trimEnd()).join('\n')}`,
          rank: RANK.secondaryContent,
          short: `Scenes: ${scenes.map((s) => s.title ?? 'Untitled').join('; ')}`,
        });
      }
      break;
    }
  }

  parts.push(...instructionParts(input.instructions));
  if (input.style_guide.notes?.trim()) parts.push({ label: 'style notes', text: `Style notes: ${input.style_guide.notes.trim()}`, rank: RANK.styleNotes });
  if (input.revision) {
    core('revision', `Revise your previous answer: ${input.revision.instructions}`);
    const feedback = feedbackText(input.revision.feedback ?? []);
    if (feedback) parts.push({ label: 'feedback', text: `Feedback on earlier answers: ${feedback}`, rank: RANK.feedback });
  }
  core('task', `Task: ${taskRule(input)}`);

  const fitted = fitParts(parts, Math.max(1, maxPromptLength - system.length), blocks);
  const schema = TEXT_TASKS[input.task].schema;
  return { system, prompt: fitted.text, ...(schema ? { schema } : {}), dropped: fitted.dropped };
}

function styleBlock(style: StyleGuideInput, essential: boolean): PromptPart[] {
  const details = [
    style.line_style && `line style ${style.line_style}`,
    style.color_palette?.length && `palette ${style.color_palette.join(', ')}`,
    style.mood && `mood ${style.mood}`,
    style.lighting && `lighting ${style.lighting}`,
  ].filter((text): text is string => typeof text === 'string' && text.trim() !== '');
  const art = style.art_style?.trim() ? `art style ${style.art_style.trim()}` : '';
  const all = [art, ...details].filter(Boolean);
  if (all.length === 0) return [];
  return [{ label: 'style guide', text: `Style guide: ${all.join('; ')}`, rank: essential ? RANK.core : RANK.styleDetail, ...(art ? { short: `Style guide: ${art}` } : {}) }];
}

/** The characters and locations a task needs to see: the target's own first, everyone when the task may cast anyone. */
function relevant(input: TextTaskInput): { characters: CharacterInput[]; locations: LocationInput[] } {
  const everyone = input.task === 'breakdown' || input.task === 'generate_chapter';
  let characterIds: string[] = [];
  let locationIds: (string | null | undefined)[] = [];
  switch (input.task) {
    case 'scene_summary':
    case 'breakdown':
      characterIds = [...(input.scene.character_ids ?? []), ...(input.scene.panels ?? []).flatMap((p) => p.character_ids ?? [])];
      locationIds = [input.scene.location_id, ...(input.scene.panels ?? []).map((p) => p.location_id)];
      break;
    case 'panel_description':
    case 'dialogue':
    case 'visual_prompt':
      characterIds = [...(input.panel.character_ids ?? []), ...(input.scene?.character_ids ?? [])];
      locationIds = [input.panel.location_id ?? input.scene?.location_id];
      break;
    case 'chapter_outline':
    case 'generate_chapter':
      characterIds = (input.chapter.scenes ?? []).flatMap((s) => s.character_ids ?? []);
      locationIds = (input.chapter.scenes ?? []).map((s) => s.location_id);
      break;
    case 'character_profile':
      return { characters: [], locations: [] };
  }
  const first = [...new Set(characterIds)];
  const characters = [...first.map((id) => input.characters.find((c) => c.id === id)), ...(everyone ? input.characters.filter((c) => !first.includes(c.id)) : [])];
  const placeIds = [...new Set(locationIds.filter((id): id is string => !!id))];
  const locations = [...placeIds.map((id) => input.locations.find((l) => l.id === id)), ...(everyone ? input.locations.filter((l) => !placeIds.includes(l.id)) : [])];
  return { characters: characters.filter((c): c is CharacterInput => !!c), locations: locations.filter((l): l is LocationInput => !!l) };
}

function characterLine(character: CharacterInput): string {
  const facts = [character.role, character.appearance, character.personality].filter((f) => f?.trim());
  return `- ${character.name} [${character.id}]${facts.length ? `: ${facts.join('; ')}` : ''}`;
}

function profileLines(character: CharacterInput): string {
  const lines = [`name: ${character.name}`];
  for (const field of ['role', 'description', 'appearance', 'personality', 'backstory'] as const) {
    lines.push(`${field}: ${character[field]?.trim() || '(missing)'}`);
  }
  lines.push(`traits: ${character.traits?.length ? character.traits.join(', ') : '(missing)'}`);
  return lines.join('\n');
}

function sceneText(scene: SceneInput): string {
  const lines = [`Scene: ${scene.title ?? 'Untitled'}`];
  if (scene.description) lines.push(`Description: ${scene.description}`);
  if (scene.summary) lines.push(`Summary: ${scene.summary}`);
  return lines.join('\n');
}

function panelText(panel: PanelInput, characters: readonly CharacterInput[]): string {
  const framing = [shotLabel(panel.shot_type), panel.camera_angle].filter(Boolean).join(', ');
  const names = (panel.character_ids ?? []).map((id) => characters.find((c) => c.id === id)?.name ?? id);
  const lines = [
    framing && `framing: ${framing}`,
    names.length ? `characters: ${names.join(', ')}` : '',
    panel.description && `description: ${panel.description}`,
    panel.visual_prompt && `visual prompt: ${panel.visual_prompt}`,
    ...dialogueLines(panel, characters),
  ];
  return lines.filter(Boolean).join('\n') || '(empty panel)';
}

function dialogueLines(panel: PanelInput, characters: readonly CharacterInput[]): string[] {
  return (panel.dialogue ?? []).map((b) => {
    const speaker = b.character_id ? (characters.find((c) => c.id === b.character_id)?.name ?? 'someone') : b.type;
    return `  ${speaker}${b.character_id && b.type !== 'speech' ? ` (${b.type})` : ''}: "${b.text}"`;
  });
}

function panelsBlock(panels: readonly PanelInput[], characters: readonly CharacterInput[], title: string): PromptPart {
  const full = panels.map((p, i) => `${i + 1}. ${[shotLabel(p.shot_type) && `[${shotLabel(p.shot_type)}]`, p.description || p.visual_prompt || '(no description)'].filter(Boolean).join(' ')}${dialogueLines(p, characters).map((line) => `\n${line}`).join('')}`);
  const short = panels.map((p, i) => `${i + 1}. ${p.description || p.visual_prompt || '(no description)'}`);
  return { label: 'panels', text: `${title}:\n${full.join('\n')}`, rank: RANK.secondaryContent, short: `${title}:\n${short.join('\n')}` };
}
