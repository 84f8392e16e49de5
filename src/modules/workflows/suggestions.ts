/**
 * Next steps for a project, each with the request a client can send as it is (method, path,
 * body). Pure: built from the project tree, its consistency issues and what already waits for
 * review, so nothing is suggested twice (a scene whose breakdown draft is pending gets
 * "review", not another breakdown).
 */
import type { CheckProject, Issue, IssueTarget } from './consistency-types.js';

export type SuggestionType = 'review' | 'breakdown' | 'generate_chapter' | 'storyboard' | 'character_design' | 'fix';

export interface SuggestionAction {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body: Record<string, unknown> | null;
}

export interface Suggestion {
  type: SuggestionType;
  message: string;
  target: IssueTarget;
  action: SuggestionAction;
}

export interface SuggestionInput {
  project: CheckProject;
  issues: readonly Issue[];
  /** Pending drafts of the project: how many, and the ids of what they target. */
  pendingDrafts: number;
  pendingTargets: ReadonlySet<string>;
}

const API = '/api/v1';
/** Issue types that have their own suggestion (storyboard, breakdown, generate-chapter). */
const COVERED = new Set(['missing_image', 'empty_scene', 'empty_chapter']);

const post = (path: string, body: Record<string, unknown>): SuggestionAction => ({ method: 'POST', path: `${API}${path}`, body });
const put = (path: string, body: Record<string, unknown>): SuggestionAction => ({ method: 'PUT', path: `${API}${path}`, body });
const get = (path: string): SuggestionAction => ({ method: 'GET', path: `${API}${path}`, body: null });
const withVersion = (body: Record<string, unknown>, version: number | undefined) => (version === undefined ? body : { ...body, version });

/** Ranked: what blocks the writer first, then missing content, then polish. */
const RANK = (s: Suggestion, issue?: Issue) =>
  s.type === 'review' ? 0 : issue?.severity === 'error' ? 1 : s.type === 'generate_chapter' ? 2 : s.type === 'breakdown' ? 3 : s.type === 'storyboard' ? 4 : s.type === 'character_design' ? 5 : 6;

export function buildSuggestions({ project, issues, pendingDrafts, pendingTargets }: SuggestionInput): Suggestion[] {
  const ranked: { suggestion: Suggestion; rank: number }[] = [];
  const add = (suggestion: Suggestion, issue?: Issue) => ranked.push({ suggestion, rank: RANK(suggestion, issue) });
  const scenes = project.chapters.flatMap((chapter) => chapter.scenes);
  const panels = new Map(scenes.flatMap((scene) => scene.panels.map((panel) => [panel.id, panel] as const)));
  const sceneById = new Map(scenes.map((scene) => [scene.id, scene]));

  if (pendingDrafts > 0) {
    add({
      type: 'review',
      message: `${pendingDrafts} draft${pendingDrafts === 1 ? ' waits' : 's wait'} for review`,
      target: { type: 'project', id: project.id },
      action: get(`/drafts/pending?project_id=${project.id}`),
    });
  }
  for (const chapter of project.chapters) {
    if (chapter.scenes.length === 0 && !pendingTargets.has(chapter.id)) {
      add({ type: 'generate_chapter', message: `Chapter "${chapter.title ?? ''}" has no scenes: propose some`, target: { type: 'chapter', id: chapter.id }, action: post('/workflow/generate-chapter', { chapter_id: chapter.id }) });
    }
    for (const scene of chapter.scenes) {
      if (scene.panels.length === 0) {
        if (!pendingTargets.has(scene.id)) {
          add({ type: 'breakdown', message: `Scene "${scene.title ?? ''}" has no panels: break it down`, target: { type: 'scene', id: scene.id }, action: post(`/scenes/${scene.id}/breakdown`, {}) });
        }
        continue;
      }
      const bare = scene.panels.filter((panel) => !panel.image_id);
      if (bare.length > 0 && !bare.every((panel) => pendingTargets.has(panel.id))) {
        add({
          type: 'storyboard',
          message: `${bare.length} of ${scene.panels.length} panels of scene "${scene.title ?? ''}" have no image`,
          target: { type: 'scene', id: scene.id },
          action: post('/workflow/storyboard', { scene_id: scene.id }),
        });
      }
    }
  }
  for (const character of project.characters) {
    if ((character.design_image_ids ?? []).length === 0 && !pendingTargets.has(character.id)) {
      add({ type: 'character_design', message: `Character "${character.name}" has no design yet`, target: { type: 'character', id: character.id }, action: post('/generate/character-design', { character_id: character.id }) });
    }
  }

  // One fix per scene adds every character its panels show but it lacks (separate PUTs would conflict on the version).
  const sceneAdds = new Map<string, { first: Issue; ids: Set<string> }>();
  for (const found of issues) {
    if (found.type !== 'character_not_in_scene') continue;
    const sceneId = found.details.scene_id as string;
    const entry = sceneAdds.get(sceneId) ?? { first: found, ids: new Set<string>() };
    entry.ids.add(found.details.character_id as string);
    sceneAdds.set(sceneId, entry);
  }
  for (const [sceneId, { first, ids }] of sceneAdds) {
    const scene = sceneById.get(sceneId);
    const message = ids.size > 1 ? `${ids.size} characters are in panels of scene "${scene?.title ?? ''}" but not among the scene's characters` : first.message;
    const body = withVersion({ character_ids: [...new Set([...(scene?.character_ids ?? []), ...ids])] }, scene?.version);
    add({ type: 'fix', message, target: { type: 'scene', id: sceneId }, action: put(`/scenes/${sceneId}`, body) }, first);
  }
  for (const found of issues) {
    if (found.type === 'character_not_in_scene' || COVERED.has(found.type)) continue;
    const action = fixFor(found, project.id, panels);
    if (action) add({ type: 'fix', message: found.message, target: found.target, action }, found);
  }
  return ranked.sort((a, b) => a.rank - b.rank).map((entry) => entry.suggestion);
}

/** The request that fixes an issue, or opens what it is about when no single request can. */
export function fixFor(found: Issue, projectId: string, panels: ReadonlyMap<string, CheckProject['chapters'][number]['scenes'][number]['panels'][number]>): SuggestionAction | null {
  const panel = found.target.type === 'panel' ? panels.get(found.target.id) : undefined;
  switch (found.type) {
    case 'speaker_not_present':
      return panel ? put(`/panels/${panel.id}`, withVersion({ character_ids: [...new Set([...(panel.character_ids ?? []), found.details.character_id as string])] }, panel.version)) : null;
    case 'location_mismatch':
      return panel ? put(`/panels/${panel.id}`, withVersion({ location_id: found.details.scene_location_id as string }, panel.version)) : null;
    case 'missing_description':
      if (found.target.type === 'panel') return post('/tasks/execute', { type: 'panel_description', target: found.target });
      if (found.target.type === 'character') return post('/tasks/execute', { type: 'character_profile', target: found.target });
      return get(`/${found.target.type}s/${found.target.id}`);
    case 'style_drift':
      return post(`/projects/${projectId}/style-guide/apply`, { scope: { type: 'panel', id: found.target.id } });
    case 'unknown_character_mention':
      return post(`/projects/${projectId}/characters`, { name: found.details.name as string });
    default:
      return found.target.type === 'project' ? null : get(`/${found.target.type}s/${found.target.id}`);
  }
}
