/**
 * What a text provider proposes (a breakdown's panels, a generated chapter's scenes), cleaned
 * before it becomes a draft: a model may name ids that are not in the project, leave text
 * empty or overlong, or propose more than was asked. Cleaning here means selecting a variant
 * later never fails on the panel/scene validation rules (references in the project, caption
 * and sfx without speaker, text limits). Pure.
 */
import { DIALOGUE_BUBBLE_TYPES, PANEL_SHOT_TYPES, type DialogueBubbleType, type PanelShotType } from '../../lib/prompt-types.js';
import type { BubbleProposal, PanelProposal, SceneProposal } from '../../lib/text-tasks.js';

/** A proposed panel; auto-panel and storyboard add the visual prompt written for it. */
export type ProposedPanel = PanelProposal & { visual_prompt?: string };
export type ProposedScene = Omit<SceneProposal, 'panels'> & { panels: ProposedPanel[] };

export interface KnownIds {
  characters: ReadonlySet<string>;
  locations: ReadonlySet<string>;
}

/** Panels a scene in a generated chapter may get. */
export const MAX_PANELS_PER_PROPOSED_SCENE = 30;

const SPEAKERLESS = new Set<string>(['caption', 'sfx']);
const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.trim().slice(0, max) : '');
const isShot = (value: unknown): value is PanelShotType => typeof value === 'string' && (PANEL_SHOT_TYPES as readonly string[]).includes(value);
const isBubbleType = (value: unknown): value is DialogueBubbleType => typeof value === 'string' && (DIALOGUE_BUBBLE_TYPES as readonly string[]).includes(value);

function ids(value: unknown, known: ReadonlySet<string>): string[] {
  return [...new Set(list(value).filter((id): id is string => typeof id === 'string' && known.has(id)))].slice(0, 100);
}

function location(value: unknown, known: KnownIds): string | null {
  return typeof value === 'string' && known.locations.has(value) ? value : null;
}

function bubble(value: unknown, known: KnownIds): BubbleProposal | null {
  const raw = record(value);
  const words = text(raw.text, 2000);
  if (!words) return null;
  const type = isBubbleType(raw.type) ? raw.type : 'speech';
  const speaker = typeof raw.character_id === 'string' && known.characters.has(raw.character_id) && !SPEAKERLESS.has(type) ? raw.character_id : null;
  // A line whose speaker is unknown stays, as narration rather than a misattributed quote.
  return { type: speaker === null && !SPEAKERLESS.has(type) ? 'caption' : type, character_id: speaker, text: words };
}

export function cleanPanel(value: unknown, known: KnownIds): ProposedPanel | null {
  const raw = record(value);
  const description = text(raw.description, 10_000);
  const dialogue = list(raw.dialogue).map((b) => bubble(b, known)).filter((b): b is BubbleProposal => b !== null).slice(0, 200);
  if (!description && dialogue.length === 0) return null;
  const panel: ProposedPanel = {
    description,
    shot_type: isShot(raw.shot_type) ? raw.shot_type : 'medium',
    character_ids: ids(raw.character_ids, known.characters),
    location_id: location(raw.location_id, known),
    dialogue,
  };
  const prompt = text(raw.visual_prompt, 4000);
  if (prompt) panel.visual_prompt = prompt;
  return panel;
}

/** A breakdown answer (`{ panels }`) cleaned and cut to `maxPanels`. */
export function cleanBreakdown(value: unknown, known: KnownIds, maxPanels: number): { panels: ProposedPanel[] } {
  const panels = list(record(value).panels).map((p) => cleanPanel(p, known)).filter((p): p is ProposedPanel => p !== null);
  return { panels: panels.slice(0, maxPanels) };
}

/** A generated chapter (`{ scenes }`) cleaned and cut to `maxScenes`; a scene keeps at most 30 panels. */
export function cleanChapter(value: unknown, known: KnownIds, maxScenes: number): { scenes: ProposedScene[] } {
  const scenes: ProposedScene[] = [];
  for (const item of list(record(value).scenes)) {
    const raw = record(item);
    const title = text(raw.title, 200);
    const description = text(raw.description, 10_000);
    const panels = cleanBreakdown(raw, known, MAX_PANELS_PER_PROPOSED_SCENE).panels;
    if (!title && !description && panels.length === 0) continue;
    scenes.push({ title: title || 'Untitled', description, location_id: location(raw.location_id, known), character_ids: ids(raw.character_ids, known.characters), panels });
  }
  return { scenes: scenes.slice(0, maxScenes) };
}
