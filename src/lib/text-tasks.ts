/**
 * The text tasks: which target each takes, the input a caller fills (TextTaskInput, sent as
 * `TextRequest.context`), the answer every provider returns (TaskContent) and its JSON schema
 * for structured output. The schemas keep to what OpenAI strict mode accepts: every property
 * required, no additional properties, nullable as a type union.
 */
import { DIALOGUE_BUBBLE_TYPES, PANEL_SHOT_TYPES, type ChapterInput, type CharacterInput, type DialogueBubbleType, type PanelInput, type PanelShotType, type SceneInput, type StoryContext } from './prompt-types.js';

/** The task types of SPEC.md, run by POST /tasks/execute. */
export const TASK_TYPES = ['scene_summary', 'character_profile', 'panel_description', 'dialogue', 'chapter_outline', 'visual_prompt'] as const;
/** Tasks behind workflow endpoints (scene breakdown, generate-chapter). */
export const WORKFLOW_TASK_TYPES = ['breakdown', 'generate_chapter'] as const;
export type TaskType = (typeof TASK_TYPES)[number];
export type TextTaskType = TaskType | (typeof WORKFLOW_TASK_TYPES)[number];
export type TaskTargetType = 'panel' | 'scene' | 'chapter' | 'character';

export type BubbleProposal = { type: DialogueBubbleType; character_id: string | null; text: string };
export type PanelProposal = { description: string; shot_type: PanelShotType; character_ids: string[]; location_id: string | null; dialogue: BubbleProposal[] };
export type SceneProposal = { title: string; description: string; location_id: string | null; character_ids: string[]; panels: PanelProposal[] };
export type CharacterProfile = { role: string; description: string; appearance: string; personality: string; backstory: string; traits: string[] };

/** A variant's `content` per task: plain text, or the parsed structured answer. */
export interface TaskContent {
  scene_summary: string;
  character_profile: CharacterProfile;
  panel_description: string;
  dialogue: BubbleProposal[];
  chapter_outline: string;
  visual_prompt: string;
  breakdown: { panels: PanelProposal[] };
  generate_chapter: { scenes: SceneProposal[] };
}

type TaskBase = StoryContext;
type PanelTask = TaskBase & { panel: PanelInput; scene?: SceneInput };

/** What the caller fills per task (panels of a scene and scenes of a chapter in reading order). */
export type TextTaskInput =
  | (TaskBase & { task: 'scene_summary'; scene: SceneInput })
  | (TaskBase & { task: 'character_profile'; character: CharacterInput })
  | (PanelTask & { task: 'panel_description' })
  | (PanelTask & { task: 'dialogue' })
  | (PanelTask & { task: 'visual_prompt' })
  | (TaskBase & { task: 'chapter_outline'; chapter: ChapterInput })
  | (TaskBase & { task: 'breakdown'; scene: SceneInput; max_panels?: number })
  | (TaskBase & { task: 'generate_chapter'; chapter: ChapterInput; outline?: string; max_scenes?: number });

type JsonSchema = Record<string, unknown>;
const str = { type: 'string' };
const strings = { type: 'array', items: str };
const nullableId = { type: ['string', 'null'] };
const object = (properties: Record<string, unknown>): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

const bubble = object({ type: { type: 'string', enum: [...DIALOGUE_BUBBLE_TYPES] }, character_id: nullableId, text: str });
const panel = object({
  description: str,
  shot_type: { type: 'string', enum: [...PANEL_SHOT_TYPES] },
  character_ids: strings,
  location_id: nullableId,
  dialogue: { type: 'array', items: bubble },
});
const scene = object({ title: str, description: str, location_id: nullableId, character_ids: strings, panels: { type: 'array', items: panel } });

export interface TextTaskSpec {
  description: string;
  targets: readonly TaskTargetType[];
  /** JSON schema of the answer; absent for plain-text tasks. */
  schema?: JsonSchema;
}

export const TEXT_TASKS: Record<TextTaskType, TextTaskSpec> = {
  scene_summary: { description: 'Summarise a scene from its description, panels and dialogue', targets: ['scene'] },
  character_profile: {
    description: 'Write or complete a character profile (role, description, appearance, personality, backstory, traits)',
    targets: ['character'],
    schema: object({ role: str, description: str, appearance: str, personality: str, backstory: str, traits: strings }),
  },
  panel_description: { description: 'Describe what a panel shows, from its shot, characters, location and scene', targets: ['panel'] },
  dialogue: { description: 'Propose the dialogue bubbles of a panel', targets: ['panel'], schema: { type: 'array', items: bubble } },
  chapter_outline: { description: 'Outline a chapter from its scenes or summary', targets: ['chapter'] },
  visual_prompt: { description: 'Write an image-generation prompt for a panel that follows the style guide', targets: ['panel'] },
  breakdown: { description: 'Break a scene description down into proposed panels', targets: ['scene'], schema: object({ panels: { type: 'array', items: panel } }) },
  generate_chapter: {
    description: "Propose a chapter's scenes, each with panels, from its summary or an outline",
    targets: ['chapter'],
    schema: object({ scenes: { type: 'array', items: scene } }),
  },
};

export function isTextTaskType(value: string): value is TextTaskType {
  return Object.hasOwn(TEXT_TASKS, value);
}
