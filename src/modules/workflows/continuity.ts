/**
 * The deep consistency check: the story as compact text (ids in square brackets) for an LLM
 * that reports continuity problems the rules cannot see (a wound that heals between panels, a
 * coat that changes colour, a night scene followed by noon). Its notes become `continuity`
 * issues; a note naming an id that is not in the project is pinned on the project. Pure.
 */
import { cutText } from '../../lib/prompt-parts.js';
import { issue, type CheckProject, type CheckScope, type Issue, type IssueTarget, type TargetType } from './consistency-types.js';

const TARGET_TYPES: TargetType[] = ['project', 'chapter', 'scene', 'panel', 'character'];

export const CONTINUITY_TASK = 'continuity_check';

export const CONTINUITY_SCHEMA = {
  type: 'object',
  properties: {
    notes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          target_type: { type: 'string', enum: TARGET_TYPES },
          target_id: { type: ['string', 'null'] },
        },
        required: ['message', 'target_type', 'target_id'],
        additionalProperties: false,
      },
    },
  },
  required: ['notes'],
  additionalProperties: false,
};

const SYSTEM =
  'You are a continuity editor for a graphic novel. Read the story data and list continuity problems: ' +
  'facts that contradict each other across panels, scenes or chapters (appearance, objects, injuries, time of day, ' +
  'who knows what, where people are). Do not report style, missing content or spelling. Point each note at the ' +
  'panel, scene, chapter or character it is about, by the id in square brackets. Answer in JSON; no notes is a valid answer.';

export function continuityPrompt(project: CheckProject, maxLength: number): { system: string; prompt: string } {
  const names = new Map(project.characters.map((c) => [c.id, c.name]));
  const places = new Map(project.locations.map((l) => [l.id, l.name]));
  const lines = [`Project: ${project.title}`, 'Characters:'];
  for (const c of project.characters) lines.push(`- ${c.name} [${c.id}]${[c.appearance, c.description].filter((t) => t?.trim()).map((t) => `: ${t!.trim()}`).join('')}`);
  for (const chapter of project.chapters) {
    lines.push(`Chapter ${chapter.order + 1} "${chapter.title ?? ''}" [${chapter.id}]${chapter.summary?.trim() ? `: ${chapter.summary.trim()}` : ''}`);
    for (const scene of chapter.scenes) {
      const where = scene.location_id ? ` at ${places.get(scene.location_id) ?? 'an unknown place'}` : '';
      lines.push(`  Scene ${scene.order + 1} "${scene.title ?? ''}" [${scene.id}]${where}: ${scene.description?.trim() || scene.summary?.trim() || ''}`.trimEnd());
      for (const panel of scene.panels) {
        const who = (panel.character_ids ?? []).map((id) => names.get(id) ?? id).join(', ');
        const said = (panel.dialogue ?? []).map((b) => `${b.character_id ? (names.get(b.character_id) ?? 'someone') : b.type}: "${b.text}"`).join(' ');
        lines.push(`    Panel ${panel.order + 1} [${panel.id}]${who ? ` (${who})` : ''}: ${[panel.description?.trim(), said].filter(Boolean).join(' ')}`.trimEnd());
      }
    }
  }
  return { system: SYSTEM, prompt: cutText(lines.join('\n'), Math.max(200, maxLength - SYSTEM.length)) };
}

/** The LLM's notes as issues; unknown targets fall back to the project. */
export function continuityIssues(content: unknown, project: CheckProject): Issue[] {
  const notes = (content as { notes?: unknown } | null)?.notes;
  if (!Array.isArray(notes)) return [];
  const ids: Record<TargetType, Set<string>> = {
    project: new Set([project.id]),
    chapter: new Set(project.chapters.map((c) => c.id)),
    scene: new Set(project.chapters.flatMap((c) => c.scenes.map((s) => s.id))),
    panel: new Set(project.chapters.flatMap((c) => c.scenes.flatMap((s) => s.panels.map((p) => p.id)))),
    character: new Set(project.characters.map((c) => c.id)),
  };
  const out: Issue[] = [];
  for (const note of notes.slice(0, 200)) {
    const raw = (note ?? {}) as { message?: unknown; target_type?: unknown; target_id?: unknown };
    if (typeof raw.message !== 'string' || !raw.message.trim()) continue;
    const type = TARGET_TYPES.includes(raw.target_type as TargetType) ? (raw.target_type as TargetType) : 'project';
    const target: IssueTarget = typeof raw.target_id === 'string' && ids[type].has(raw.target_id) ? { type, id: raw.target_id } : { type: 'project', id: project.id };
    out.push(issue('continuity', raw.message.trim().slice(0, 2000), target, { source: 'llm' }));
  }
  return out;
}

/** The ids of the chapters, scenes and panels a scope covers; null for the whole project. */
export function idsInScope(project: CheckProject, scope: CheckScope): Set<string> | null {
  if (scope.type === 'project') return null;
  const ids = new Set<string>();
  for (const chapter of project.chapters) {
    const chapterIn = scope.type === 'chapter' && scope.id === chapter.id;
    if (chapterIn) ids.add(chapter.id);
    for (const scene of chapter.scenes) {
      const sceneIn = chapterIn || (scope.type === 'scene' && scope.id === scene.id);
      if (sceneIn) ids.add(scene.id);
      for (const panel of scene.panels) if (sceneIn || (scope.type === 'panel' && scope.id === panel.id)) ids.add(panel.id);
    }
  }
  return ids;
}
