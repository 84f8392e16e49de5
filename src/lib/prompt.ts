/**
 * Image prompt assembly: target content + the characters in it + the location + the style
 * guide + the applicable instructions (in the order given) + a revise request, fitted to the
 * provider's limit. Pure; callers load the data and pass plain inputs (src/lib/prompt-types.ts).
 *
 * What goes first when the prompt is too long (lowest rank first; see RANK):
 *   style-guide notes -> project genre -> project-wide instructions -> chapter instructions ->
 *   location description (its name stays) -> mood / lighting / line style / palette ->
 *   scene instructions -> secondary target text (a panel's description when it has a visual
 *   prompt) -> character appearances (names stay; later characters first) -> panel
 *   instructions -> revise feedback.
 * Never dropped, only cut as a last resort: the request text, the revise instructions, the
 * framing (shot type, camera angle), the target's own content and the art style.
 */
import type { SceneSketch } from '../ports/ai-providers.js';
import { fitParts, cutText, sentences, type PromptPart } from './prompt-parts.js';
import { sizeForAspectRatio } from './prompt-size.js';
import type { CharacterInput, ChapterInput, InstructionInput, LocationInput, PanelInput, SceneInput, StoryContext } from './prompt-types.js';

export const RANK = {
  styleNotes: 0,
  projectContext: 1,
  instruction: { project: 2, chapter: 3, scene: 6, panel: 9 },
  locationDetail: 4,
  styleDetail: 5,
  secondaryContent: 7,
  characterDetail: 8,
  feedback: 10,
  core: Infinity,
} as const;

export type ImageTarget =
  | { type: 'panel'; panel: PanelInput; scene?: SceneInput }
  | { type: 'scene'; scene: SceneInput }
  | { type: 'chapter'; chapter: ChapterInput }
  | { type: 'character'; character: CharacterInput; purpose?: 'design' | 'sheet' }
  | { type: 'location'; location: LocationInput }
  | { type: 'project' };

export type ImagePromptInput = StoryContext & {
  target: ImageTarget;
  /** Free text of the request (generate/image prompt, background prompt, style-transfer style): the most specific part. */
  request?: string;
  /** The provider's maxPromptLength. */
  maxPromptLength: number;
};

export interface AssembledImagePrompt {
  prompt: string;
  negative_prompt: string;
  sketch: SceneSketch;
  width: number;
  height: number;
  /** Labels of the parts that did not fit (empty when everything did). */
  dropped: string[];
}

const SHOT_LABELS: Record<string, string> = {
  establishing: 'Establishing shot',
  wide: 'Wide shot',
  medium: 'Medium shot',
  close_up: 'Close-up',
  extreme_close_up: 'Extreme close-up',
  over_the_shoulder: 'Over-the-shoulder shot',
  pov: 'Point-of-view shot',
  insert: 'Insert shot',
};

export function shotLabel(shot: string | null | undefined): string | undefined {
  return shot ? (SHOT_LABELS[shot] ?? shot.replace(/_/g, ' ')) : undefined;
}

export function assembleImagePrompt(input: ImagePromptInput): AssembledImagePrompt {
  const content = targetContent(input);
  const characters = content.characterIds.map((id) => input.characters.find((c) => c.id === id)).filter((c): c is CharacterInput => !!c);
  const location = content.locationId ? input.locations.find((l) => l.id === content.locationId) : undefined;

  const parts: PromptPart[] = [];
  if (input.request?.trim()) parts.push({ label: 'request', text: input.request, rank: RANK.core });
  parts.push(...revisionParts(input));
  parts.push(...content.parts);
  for (const character of characters) {
    const looks = [character.appearance, content.isSubject(character) ? character.description : undefined].filter(Boolean).join('; ');
    const text = looks ? `${character.name}: ${looks}` : character.name;
    const rank = content.isSubject(character) ? RANK.core : RANK.characterDetail;
    parts.push({ label: `character ${character.name}`, text, rank, short: character.name });
  }
  if (location) {
    const text = location.description ? `Setting: ${location.name}, ${location.description}` : `Setting: ${location.name}`;
    parts.push({ label: `location ${location.name}`, text, rank: content.isLocationSubject ? RANK.core : RANK.locationDetail, short: `Setting: ${location.name}` });
  }
  parts.push(...styleParts(input));
  parts.push(...instructionParts(input.instructions));
  if (input.style_guide.notes?.trim()) parts.push({ label: 'style notes', text: `Style notes: ${input.style_guide.notes}`, rank: RANK.styleNotes });

  const fitted = fitParts(parts, input.maxPromptLength, sentences);
  const size = sizeForAspectRatio(content.aspectRatio ?? input.style_guide.aspect_ratio);
  const sketch: SceneSketch = {
    ...content.sketch,
    characters: content.sketch.characters ?? characters.map((c) => ({ name: c.name, appearance: c.appearance })),
    location: location ? { name: location.name, description: location.description } : (content.sketch.location ?? null),
    palette: input.style_guide.color_palette ?? [],
  };
  return {
    prompt: fitted.text,
    negative_prompt: cutText((input.style_guide.negative_prompt ?? '').trim(), input.maxPromptLength),
    sketch,
    ...size,
    dropped: fitted.dropped,
  };
}

interface TargetContent {
  parts: PromptPart[];
  characterIds: string[];
  locationId: string | null | undefined;
  sketch: SceneSketch;
  aspectRatio?: string;
  /** The target character itself is content, not a droppable detail. */
  isSubject(character: CharacterInput): boolean;
  isLocationSubject: boolean;
}

function targetContent(input: ImagePromptInput): TargetContent {
  const { target } = input;
  const core = (label: string, text: string | undefined): PromptPart[] => (text?.trim() ? [{ label, text, rank: RANK.core }] : []);
  const base = { isSubject: () => false, isLocationSubject: false };
  switch (target.type) {
    case 'panel': {
      const { panel, scene } = target;
      const framing = [shotLabel(panel.shot_type), panel.camera_angle?.trim()].filter(Boolean).join(', ');
      const main = panel.visual_prompt?.trim() || panel.description;
      const parts = [...core('framing', framing), ...core('panel', main)];
      if (panel.visual_prompt?.trim() && panel.description?.trim()) {
        parts.push({ label: 'panel description', text: panel.description, rank: RANK.secondaryContent });
      }
      const names = new Map(input.characters.map((c) => [c.id, c.name]));
      return {
        ...base,
        parts,
        characterIds: panel.character_ids ?? [],
        locationId: panel.location_id ?? scene?.location_id,
        sketch: {
          shot_type: panel.shot_type ?? null,
          camera_angle: panel.camera_angle ?? null,
          description: panel.description || panel.visual_prompt || '',
          dialogue: (panel.dialogue ?? []).map((b) => ({ type: b.type, speaker: b.character_id ? (names.get(b.character_id) ?? null) : null, text: b.text })),
          caption: [scene?.title, panel.order !== undefined ? `panel ${panel.order + 1}` : undefined].filter(Boolean).join(' · ') || undefined,
        },
      };
    }
    case 'scene': {
      const { scene } = target;
      const fromPanels = (scene.panels ?? []).flatMap((p) => p.character_ids ?? []);
      return {
        ...base,
        parts: [...core('framing', 'Key frame of the scene'), ...core('scene title', scene.title), ...core('scene', scene.description || scene.summary)],
        characterIds: unique([...(scene.character_ids ?? []), ...fromPanels]).slice(0, 6),
        locationId: scene.location_id,
        sketch: { shot_type: 'wide', description: scene.description || scene.summary || '', caption: scene.title },
      };
    }
    case 'chapter': {
      const { chapter } = target;
      const ids = (chapter.scenes ?? []).flatMap((s) => [...(s.character_ids ?? []), ...(s.panels ?? []).flatMap((p) => p.character_ids ?? [])]);
      return {
        ...base,
        parts: [
          ...core('framing', `Cover illustration for the chapter "${chapter.title ?? ''}" of "${input.project.title}"`),
          ...core('chapter', chapter.summary),
        ],
        characterIds: byFrequency(ids).slice(0, 4),
        locationId: null,
        sketch: { shot_type: 'medium', description: chapter.summary ?? '', caption: chapter.title },
      };
    }
    case 'character': {
      const { character } = target;
      const sheet = target.purpose === 'sheet';
      const framing = sheet
        ? `Character reference sheet of ${character.name}: front, side and back views, full body, neutral pose, plain background`
        : `Character design of ${character.name}${character.role ? `, ${character.role}` : ''}, full body`;
      const views = ['front', 'side', 'back'].map((view) => ({ name: `${character.name} (${view})`, appearance: character.appearance }));
      return {
        parts: core('framing', framing),
        characterIds: [character.id],
        locationId: null,
        isSubject: (c) => c.id === character.id,
        isLocationSubject: false,
        aspectRatio: sheet ? '3:2' : undefined,
        sketch: { shot_type: sheet ? 'wide' : 'medium', description: framing, caption: character.name, ...(sheet ? { characters: views } : {}) },
      };
    }
    case 'location': {
      const { location } = target;
      return {
        ...base,
        isLocationSubject: true,
        parts: core('framing', 'Background art, no characters'),
        characterIds: [],
        locationId: location.id,
        sketch: { shot_type: 'establishing', description: location.description ?? '', caption: location.name },
      };
    }
    case 'project':
      return {
        ...base,
        parts: [],
        characterIds: [],
        locationId: null,
        sketch: { shot_type: 'wide', description: input.request ?? '', caption: input.project.title },
      };
  }
}

function styleParts({ style_guide: style, project }: StoryContext): PromptPart[] {
  const parts: PromptPart[] = [];
  const add = (label: string, text: string | undefined, rank: number, prefix: string) => {
    if (text?.trim()) parts.push({ label, text: `${prefix}: ${text.trim()}`, rank });
  };
  add('art style', style.art_style, RANK.core, 'Art style');
  add('line style', style.line_style, RANK.styleDetail, 'Line style');
  add('palette', (style.color_palette ?? []).join(', '), RANK.styleDetail, 'Colour palette');
  add('mood', style.mood, RANK.styleDetail, 'Mood');
  add('lighting', style.lighting, RANK.styleDetail, 'Lighting');
  add('genre', project.genre, RANK.projectContext, 'Genre');
  return parts;
}

/** Instructions in the given order; a later one of the same scope is dropped before an earlier one. */
export function instructionParts(instructions: readonly InstructionInput[]): PromptPart[] {
  return instructions
    .filter((instruction) => instruction.content.trim() !== '')
    .map((instruction, index) => ({
      label: `${instruction.scope.type} instruction ${index + 1}`,
      text: `Instruction: ${instruction.content.trim()}`,
      rank: RANK.instruction[instruction.scope.type] ?? RANK.instruction.project,
    }));
}

function revisionParts({ revision }: StoryContext): PromptPart[] {
  if (!revision) return [];
  const parts: PromptPart[] = [];
  if (revision.instructions.trim()) parts.push({ label: 'revision', text: `Revision: ${revision.instructions.trim()}`, rank: RANK.core });
  const feedback = feedbackText(revision.feedback ?? []);
  if (feedback) parts.push({ label: 'feedback', text: `Earlier feedback: ${feedback}`, rank: RANK.feedback });
  return parts;
}

/** "2/5 "too dark"; 4/5" - one line for prompts. */
export function feedbackText(feedback: readonly { rating: number; comment?: string | null }[]): string {
  return feedback.map((f) => (f.comment?.trim() ? `${f.rating}/5 "${f.comment.trim()}"` : `${f.rating}/5`)).join('; ');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Most frequent first; ties keep first appearance. */
function byFrequency(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
}
