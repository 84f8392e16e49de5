/**
 * Plain inputs of prompt assembly and of the offline text generator. They mirror the API.md
 * resource fields (snake_case) so a stored document can be passed as is, but they are not
 * DB types: only what a prompt uses, optional where the data may be missing. The same
 * objects travel as `TextRequest.context`, so the `template` provider writes from the data
 * the real model was shown.
 */
import type { ScopeType } from './instructions.js';

/** Panel framings (API.md `shot_type`); kept here because lib does not import modules. */
export const PANEL_SHOT_TYPES = ['establishing', 'wide', 'medium', 'close_up', 'extreme_close_up', 'over_the_shoulder', 'pov', 'insert'] as const;
export type PanelShotType = (typeof PANEL_SHOT_TYPES)[number];

export const DIALOGUE_BUBBLE_TYPES = ['speech', 'thought', 'caption', 'sfx', 'whisper', 'shout'] as const;
export type DialogueBubbleType = (typeof DIALOGUE_BUBBLE_TYPES)[number];

export type StyleGuideInput = {
  art_style?: string;
  color_palette?: string[];
  line_style?: string;
  mood?: string;
  lighting?: string;
  /** "W:H", e.g. "2:3". */
  aspect_ratio?: string;
  negative_prompt?: string;
  notes?: string;
};

export type ProjectInput = {
  title: string;
  description?: string;
  genre?: string;
  tags?: string[];
};

export type CharacterInput = {
  id: string;
  name: string;
  role?: string;
  description?: string;
  appearance?: string;
  personality?: string;
  backstory?: string;
  traits?: string[];
};

export type LocationInput = {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
};

export type BubbleInput = {
  type: string;
  /** null for captions and sfx. */
  character_id?: string | null;
  text: string;
};

export type PanelInput = {
  id?: string;
  order?: number;
  description?: string;
  shot_type?: string | null;
  camera_angle?: string;
  character_ids?: string[];
  location_id?: string | null;
  visual_prompt?: string;
  dialogue?: BubbleInput[];
  notes?: string;
};

export type SceneInput = {
  id?: string;
  order?: number;
  title?: string;
  description?: string;
  summary?: string;
  location_id?: string | null;
  character_ids?: string[];
  /** In reading order. */
  panels?: PanelInput[];
};

export type ChapterInput = {
  id?: string;
  order?: number;
  title?: string;
  summary?: string;
  /** In reading order. */
  scenes?: SceneInput[];
};

/** An applicable instruction; a stored instruction document fits as is. */
export type InstructionInput = {
  content: string;
  scope: { type: ScopeType };
};

export type FeedbackInput = {
  rating: number;
  comment?: string | null;
};

/** A revise request: what the writer asked for plus the feedback recorded on the draft. */
export type RevisionInput = {
  instructions: string;
  feedback?: FeedbackInput[];
};

/**
 * What every prompt may draw on. `characters` and `locations` are lookup lists (e.g. the whole
 * project's); prompt assembly picks the ones the target refers to. `instructions` are the
 * applicable ones, already ordered by orderApplicable() from src/lib/instructions.ts.
 */
export type StoryContext = {
  project: ProjectInput;
  style_guide: StyleGuideInput;
  characters: CharacterInput[];
  locations: LocationInput[];
  instructions: InstructionInput[];
  revision?: RevisionInput;
};
