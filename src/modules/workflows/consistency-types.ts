/**
 * The plain inputs and outputs of the consistency rules: a project as a tree of chapters,
 * scenes and panels plus its characters and locations, only the fields the rules read.
 * Stored documents fit as they are.
 */

export type TargetType = 'project' | 'chapter' | 'scene' | 'panel' | 'character';

export interface IssueTarget {
  type: TargetType;
  id: string;
}

/**
 * Severity, one per issue type:
 * - `error`: the story contradicts itself in a way a reader notices (who speaks, who is there).
 * - `warning`: probably a mistake, or something that will hurt generated art or text.
 * - `info`: work not done yet (no image, nothing in a scene or chapter).
 */
export type Severity = 'error' | 'warning' | 'info';

export const ISSUE_SEVERITY = {
  speaker_not_present: 'error',
  character_not_in_scene: 'error',
  location_mismatch: 'warning',
  missing_description: 'warning',
  unknown_character_mention: 'warning',
  style_drift: 'warning',
  missing_image: 'info',
  empty_scene: 'info',
  empty_chapter: 'info',
  /** Notes from an LLM read of the story (deep check); never produced by the rules here. */
  continuity: 'warning',
} as const satisfies Record<string, Severity>;

export type IssueType = keyof typeof ISSUE_SEVERITY;
export const ISSUE_TYPES = Object.keys(ISSUE_SEVERITY) as IssueType[];
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export interface Issue {
  type: IssueType;
  severity: Severity;
  message: string;
  target: IssueTarget;
  /** Rule-specific facts (the character, the locations, the name found), so a client or a fix can act on them. */
  details: Record<string, unknown>;
}

export interface CheckBubble {
  type: string;
  character_id?: string | null;
  text: string;
}

export interface CheckPanel {
  id: string;
  order: number;
  version?: number;
  description?: string;
  visual_prompt?: string;
  character_ids?: string[];
  location_id?: string | null;
  dialogue?: CheckBubble[];
  image_id?: string | null;
}

export interface CheckScene {
  id: string;
  order: number;
  version?: number;
  title?: string;
  description?: string;
  summary?: string;
  location_id?: string | null;
  character_ids?: string[];
  panels: CheckPanel[];
}

export interface CheckChapter {
  id: string;
  order: number;
  title?: string;
  summary?: string;
  scenes: CheckScene[];
}

export interface CheckCharacter {
  id: string;
  name: string;
  description?: string;
  appearance?: string;
  design_image_ids?: string[];
}

export interface CheckProject {
  id: string;
  title: string;
  style_guide: { art_style?: string };
  chapters: CheckChapter[];
  characters: CheckCharacter[];
  locations: { id: string; name: string }[];
}

/** Part of the project to check; absent = all of it. */
export interface CheckScope {
  type: 'project' | 'chapter' | 'scene' | 'panel';
  id: string;
}

export const issue = (type: IssueType, message: string, target: IssueTarget, details: Record<string, unknown> = {}): Issue => ({
  type,
  severity: ISSUE_SEVERITY[type],
  message,
  target,
  details,
});

/** "panel 2 of "The pier"" - where an issue is, for messages. */
export const panelLabel = (scene: CheckScene, panel: CheckPanel) => `panel ${panel.order + 1} of ${sceneLabel(scene)}`;
export const sceneLabel = (scene: CheckScene) => (scene.title?.trim() ? `"${scene.title.trim()}"` : `scene ${scene.order + 1}`);
export const chapterLabel = (chapter: CheckChapter) => (chapter.title?.trim() ? `"${chapter.title.trim()}"` : `chapter ${chapter.order + 1}`);
