/**
 * What selecting a draft variant does to the story: one applier per (draft kind, target type,
 * task) in DRAFT_APPLIERS. Callers (POST /drafts/{id}/select, workflows that apply at once)
 * go through draft-select.ts; this file only decides which applier fits a draft.
 *
 * The task of a draft is, in this order: the variant's `metadata.task` (text tasks write it;
 * drafts made elsewhere should too, e.g. 'visual_prompt', 'breakdown', 'generate_chapter'),
 * then the type of the job that produced it (`source.id`), then the shape of the content
 * where that is unambiguous (`{ panels }` on a scene is a breakdown, `{ scenes }` on a chapter
 * a generated chapter, a list of bubbles on a panel dialogue, plain text on a scene or chapter
 * its summary). Plain text on a panel needs the task (description or visual prompt).
 */
import { ValidationError } from '../../errors.js';
import type { DraftKind, DraftVariant } from './drafts.store.js';
import type { ReviewedDraft } from './drafts.schemas.js';
import {
  chapterCover,
  chapterOutline,
  characterDesign,
  characterProfile,
  characterSheet,
  locationBackground,
  panelDescription,
  panelDialogue,
  panelImage,
  recordOnly,
  sceneSummary,
  visualPrompt,
} from './draft-apply-fields.js';
import { generatedChapter, sceneBreakdown } from './draft-apply-structure.js';
import type { Applier, ApplyInput, ApplyOutcome, ApplyTx } from './draft-apply-support.js';

export type { Applier, ApplyInput, ApplyOutcome, ApplyTx, PendingEvent } from './draft-apply-support.js';

export interface ApplierEntry {
  kind: DraftKind;
  target: string;
  /** The task this entry is for; absent = any task (image drafts, where the target decides). */
  task?: string;
  apply: Applier;
}

/** First match wins: entries with a task come before the catch-all of the same target. */
export const DRAFT_APPLIERS: readonly ApplierEntry[] = [
  { kind: 'image', target: 'panel', apply: panelImage },
  { kind: 'image', target: 'chapter', apply: chapterCover },
  { kind: 'image', target: 'character', task: 'character_sheet', apply: characterSheet },
  { kind: 'image', target: 'character', apply: characterDesign },
  { kind: 'image', target: 'location', apply: locationBackground },
  { kind: 'image', target: 'project', apply: recordOnly },
  { kind: 'image', target: 'scene', apply: recordOnly },
  { kind: 'image', target: 'image', apply: recordOnly },
  { kind: 'text', target: 'scene', task: 'scene_summary', apply: sceneSummary },
  { kind: 'text', target: 'scene', task: 'breakdown', apply: sceneBreakdown },
  { kind: 'text', target: 'character', task: 'character_profile', apply: characterProfile },
  { kind: 'text', target: 'panel', task: 'panel_description', apply: panelDescription },
  { kind: 'text', target: 'panel', task: 'dialogue', apply: panelDialogue },
  { kind: 'text', target: 'panel', task: 'visual_prompt', apply: visualPrompt },
  { kind: 'text', target: 'chapter', task: 'chapter_outline', apply: chapterOutline },
  { kind: 'text', target: 'chapter', task: 'generate_chapter', apply: generatedChapter },
];

const KNOWN_TASKS = new Set(DRAFT_APPLIERS.flatMap((entry) => (entry.task ? [entry.task] : [])));
/** Job types whose drafts are another task's (workflow jobs that run a breakdown or a chapter). */
const TASK_ALIASES: Record<string, string> = { auto_panel: 'breakdown', scene_breakdown: 'breakdown' };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The task implied by the content alone, where only one task fits the target. */
export function inferTask(targetType: string, content: unknown): string | undefined {
  if (targetType === 'scene') return typeof content === 'string' ? 'scene_summary' : isRecord(content) && Array.isArray(content.panels) ? 'breakdown' : undefined;
  if (targetType === 'chapter') return typeof content === 'string' ? 'chapter_outline' : isRecord(content) && Array.isArray(content.scenes) ? 'generate_chapter' : undefined;
  if (targetType === 'character') return isRecord(content) ? 'character_profile' : undefined;
  if (targetType === 'panel') return Array.isArray(content) ? 'dialogue' : undefined;
  return undefined;
}

/** The task a draft's variant answers (see the header for the order of the clues). */
export function draftTask(draft: Pick<ReviewedDraft, 'kind' | 'target'>, variant: DraftVariant, jobType: string | null): string | undefined {
  const hinted = typeof variant.metadata?.task === 'string' ? variant.metadata.task : undefined;
  if (hinted && KNOWN_TASKS.has(hinted)) return hinted;
  const fromJob = jobType ? (TASK_ALIASES[jobType] ?? jobType) : undefined;
  if (fromJob && (draft.kind === 'image' || KNOWN_TASKS.has(fromJob))) return fromJob;
  return draft.kind === 'text' ? inferTask(draft.target.type, variant.content) : undefined;
}

/** The applier for the draft's variant; a 422 when none fits (nothing is changed then). */
export function applierFor(draft: Pick<ReviewedDraft, 'kind' | 'target'>, variant: DraftVariant, jobType: string | null): Applier {
  const task = draftTask(draft, variant, jobType);
  const entry = DRAFT_APPLIERS.find((candidate) => candidate.kind === draft.kind && candidate.target === draft.target.type && (candidate.task === undefined || candidate.task === task));
  if (!entry) {
    const what = task ? `a ${task} ${draft.kind} draft` : `this ${draft.kind} draft`;
    throw ValidationError.field('variant_id', `Inkframe does not know how to apply ${what} to a ${draft.target.type}`);
  }
  return entry.apply;
}

/** Applies the variant inside the caller's transaction; the caller publishes `events` after the commit. */
export async function applyVariant(tx: ApplyTx, input: ApplyInput): Promise<ApplyOutcome> {
  return applierFor(input.draft, input.variant, input.job?.type ?? null)(tx, input);
}

