/**
 * The consistency rules: pure functions over a project tree (consistency-types.ts), so each is
 * unit-tested on a planted problem and on a clean project. checkProject() runs them all on
 * the part of the project in scope and returns the issues in story order (chapters, scenes,
 * panels), project-wide ones (characters, names) last.
 */
import {
  chapterLabel,
  issue,
  panelLabel,
  sceneLabel,
  type CheckChapter,
  type CheckPanel,
  type CheckProject,
  type CheckScene,
  type CheckScope,
  type Issue,
} from './consistency-types.js';
import { unknownMentions, type MentionText } from './consistency-mentions.js';

const SPEAKERLESS = new Set(['caption', 'sfx']);
const blank = (text: string | undefined | null) => !text || text.trim() === '';

/** A bubble's speaker must be drawn in its panel (captions and sfx have none). */
export function speakerNotPresent(scene: CheckScene, panel: CheckPanel, names: ReadonlyMap<string, string>): Issue[] {
  const present = new Set(panel.character_ids ?? []);
  const reported = new Set<string>();
  const out: Issue[] = [];
  for (const bubble of panel.dialogue ?? []) {
    const speaker = bubble.character_id;
    if (!speaker || SPEAKERLESS.has(bubble.type) || present.has(speaker) || reported.has(speaker)) continue;
    reported.add(speaker);
    const who = names.get(speaker);
    out.push(
      issue('speaker_not_present', `${who ? `"${who}"` : 'A character that no longer exists'} speaks in ${panelLabel(scene, panel)} but is not among the panel's characters`, { type: 'panel', id: panel.id }, {
        character_id: speaker,
        scene_id: scene.id,
      }),
    );
  }
  return out;
}

/** A panel's characters must be among its scene's characters. */
export function characterNotInScene(scene: CheckScene, panel: CheckPanel, names: ReadonlyMap<string, string>): Issue[] {
  const cast = new Set(scene.character_ids ?? []);
  return [...new Set(panel.character_ids ?? [])]
    .filter((id) => !cast.has(id))
    .map((id) =>
      issue('character_not_in_scene', `"${names.get(id) ?? id}" is in ${panelLabel(scene, panel)} but not among the scene's characters`, { type: 'panel', id: panel.id }, {
        character_id: id,
        scene_id: scene.id,
      }),
    );
}

/** A panel with its own location must be at its scene's (a panel without one inherits it). */
export function locationMismatch(scene: CheckScene, panel: CheckPanel, places: ReadonlyMap<string, string>): Issue[] {
  if (!panel.location_id || !scene.location_id || panel.location_id === scene.location_id) return [];
  const name = (id: string) => `"${places.get(id) ?? id}"`;
  return [
    issue('location_mismatch', `${upper(panelLabel(scene, panel))} is set at ${name(panel.location_id)} but its scene is at ${name(scene.location_id)}`, { type: 'panel', id: panel.id }, {
      panel_location_id: panel.location_id,
      scene_location_id: scene.location_id,
      scene_id: scene.id,
    }),
  ];
}

export function panelMissingDescription(scene: CheckScene, panel: CheckPanel): Issue[] {
  if (!blank(panel.description)) return [];
  return [issue('missing_description', `${upper(panelLabel(scene, panel))} has no description`, { type: 'panel', id: panel.id }, { scene_id: scene.id })];
}

/** A scene with neither description nor summary gives a breakdown nothing to work from. */
export function sceneMissingDescription(scene: CheckScene): Issue[] {
  if (!blank(scene.description) || !blank(scene.summary)) return [];
  return [issue('missing_description', `Scene ${sceneLabel(scene)} has no description or summary`, { type: 'scene', id: scene.id })];
}

/** Without a description or appearance, generated art has nothing to keep a character recognisable by. */
export function characterMissingDescription(character: CheckProject['characters'][number]): Issue[] {
  if (!blank(character.description) || !blank(character.appearance)) return [];
  return [issue('missing_description', `Character "${character.name}" has no description or appearance`, { type: 'character', id: character.id })];
}

export function missingImage(scene: CheckScene, panel: CheckPanel): Issue[] {
  if (panel.image_id) return [];
  return [issue('missing_image', `${upper(panelLabel(scene, panel))} has no image`, { type: 'panel', id: panel.id }, { scene_id: scene.id })];
}

export function emptyScene(scene: CheckScene): Issue[] {
  return scene.panels.length > 0 ? [] : [issue('empty_scene', `Scene ${sceneLabel(scene)} has no panels`, { type: 'scene', id: scene.id })];
}

export function emptyChapter(chapter: CheckChapter): Issue[] {
  return chapter.scenes.length > 0 ? [] : [issue('empty_chapter', `Chapter ${chapterLabel(chapter)} has no scenes`, { type: 'chapter', id: chapter.id })];
}

const STYLE_STOPWORDS = new Set('and with the a an of in on for by to style art look like inspired very soft hard light dark'.split(' '));

/** The words that carry an art style ("ink wash, 1940s noir" -> ink, wash, 1940s, noir). */
export function styleWords(artStyle: string | undefined): string[] {
  const words = (artStyle ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((word) => word.length >= 3 && !STYLE_STOPWORDS.has(word)))];
}

/**
 * A visual prompt follows the style guide when it carries at least half of the art style's
 * words (as word starts, so "inked" counts for "ink"). Panels without a visual prompt get the
 * style guide merged in at generation time, so they cannot drift.
 */
export function styleDrift(scene: CheckScene, panel: CheckPanel, artStyle: string | undefined): Issue[] {
  const wanted = styleWords(artStyle);
  if (wanted.length === 0 || blank(panel.visual_prompt)) return [];
  const prompt = panel.visual_prompt!.toLowerCase();
  const found = wanted.filter((word) => new RegExp(`(^|[^\\p{L}\\p{N}])${word}`, 'u').test(prompt));
  if (found.length * 2 >= wanted.length) return [];
  return [
    issue('style_drift', `The visual prompt of ${panelLabel(scene, panel)} ignores the art style "${artStyle!.trim()}"`, { type: 'panel', id: panel.id }, {
      art_style: artStyle!.trim(),
      missing_words: wanted.filter((word) => !found.includes(word)),
      scene_id: scene.id,
    }),
  ];
}

const upper = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Which parts of the tree a scope covers. */
function scopeTest(scope: CheckScope | undefined) {
  const all = !scope || scope.type === 'project';
  return {
    project: all,
    chapter: (chapter: CheckChapter) => all || (scope!.type === 'chapter' && scope!.id === chapter.id),
    scene: (chapter: CheckChapter, scene: CheckScene) => all || (scope!.type === 'chapter' && scope!.id === chapter.id) || (scope!.type === 'scene' && scope!.id === scene.id),
  };
}

/** Every rule over the part of the project in `scope` (the whole project when absent). */
export function checkProject(project: CheckProject, scope?: CheckScope): Issue[] {
  const characters = new Map(project.characters.map((c) => [c.id, c.name]));
  const places = new Map(project.locations.map((l) => [l.id, l.name]));
  const art = project.style_guide.art_style;
  const within = scopeTest(scope);
  const issues: Issue[] = [];
  const texts: MentionText[] = [];

  for (const chapter of project.chapters) {
    if (within.chapter(chapter)) issues.push(...emptyChapter(chapter));
    for (const scene of chapter.scenes) {
      const sceneIn = within.scene(chapter, scene);
      if (sceneIn) issues.push(...emptyScene(scene), ...sceneMissingDescription(scene));
      for (const text of [scene.description, scene.summary]) {
        if (!blank(text)) texts.push({ text: text!, target: { type: 'scene', id: scene.id }, where: `scene ${sceneLabel(scene)}`, inScope: sceneIn });
      }
      for (const panel of scene.panels) {
        const panelIn = sceneIn || (scope?.type === 'panel' && scope.id === panel.id);
        const where = panelLabel(scene, panel);
        const target = { type: 'panel' as const, id: panel.id };
        if (!blank(panel.description)) texts.push({ text: panel.description!, target, where, inScope: panelIn });
        for (const bubble of panel.dialogue ?? []) if (bubble.type !== 'sfx') texts.push({ text: bubble.text, target, where, inScope: panelIn });
        if (!panelIn) continue;
        issues.push(
          ...speakerNotPresent(scene, panel, characters),
          ...characterNotInScene(scene, panel, characters),
          ...locationMismatch(scene, panel, places),
          ...panelMissingDescription(scene, panel),
          ...missingImage(scene, panel),
          ...styleDrift(scene, panel, art),
        );
      }
    }
  }
  if (within.project) for (const character of project.characters) issues.push(...characterMissingDescription(character));

  const titles = [project.title, ...project.chapters.flatMap((c) => [c.title ?? '', ...c.scenes.map((s) => s.title ?? '')])];
  issues.push(...unknownMentions(texts, { characters: project.characters.map((c) => c.name), other: [...project.locations.map((l) => l.name), ...titles] }));
  return issues;
}

/** Issues per severity. */
export function countBySeverity(issues: readonly Issue[]): Record<'error' | 'warning' | 'info', number> {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const found of issues) counts[found.severity] += 1;
  return counts;
}
