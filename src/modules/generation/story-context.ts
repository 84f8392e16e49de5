/**
 * Loads what prompt assembly needs for a target (src/lib/prompt.ts takes plain inputs): the
 * target with its nested content, the project's characters and locations, its style guide
 * and the instructions that apply. Every load goes through ownership, so another user's
 * target is a 404. Used by image jobs and text tasks.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { ScopeType } from '../../lib/instructions.js';
import type { ImageTarget } from '../../lib/prompt.js';
import type { ChapterInput, InstructionInput, PanelInput, SceneInput, StoryContext } from '../../lib/prompt-types.js';
import { ValidationError } from '../../errors.js';
import { loadOwned, type Owned } from '../shared/access.js';
import type { Project } from '../projects/projects.schemas.js';
import type { Character } from '../characters/characters.schemas.js';
import type { Location } from '../locations/locations.schemas.js';
import type { Panel } from '../panels/panels.schemas.js';
import type { Scene } from '../scenes/scenes.schemas.js';
import type { Chapter } from '../chapters/chapters.schemas.js';

export type TargetType = 'project' | 'chapter' | 'scene' | 'panel' | 'character' | 'location';

export interface TargetRef {
  type: TargetType;
  id: string;
}

const TARGETS: Record<TargetType, { collection: string; label: string }> = {
  project: { collection: 'projects', label: 'Project' },
  chapter: { collection: 'chapters', label: 'Chapter' },
  scene: { collection: 'scenes', label: 'Scene' },
  panel: { collection: 'panels', label: 'Panel' },
  character: { collection: 'characters', label: 'Character' },
  location: { collection: 'locations', label: 'Location' },
};

type TargetDoc = Owned & { project_id?: string };

export interface LoadedStory {
  project_id: string;
  ref: TargetRef;
  target: ImageTarget;
  context: StoryContext;
}

export interface StoryLoaderDeps {
  store: Pick<DocumentStore, 'get' | 'find'>;
  /** The instructions service's applicableFor (ordered, enabled, ownership-checked). */
  applicableFor(userId: string, scopeType: ScopeType, id: string): Promise<InstructionInput[]>;
}

const byOrder = [{ field: 'order', direction: 1 as const }];

export function createStoryLoader({ store, applicableFor }: StoryLoaderDeps) {
  /** The user's target document (404 otherwise) and the project it belongs to. */
  async function resolve(userId: string, ref: TargetRef): Promise<{ doc: TargetDoc; project_id: string }> {
    const { collection, label } = TARGETS[ref.type];
    const doc = await loadOwned<TargetDoc>(store, collection, ref.id, userId, label);
    return { doc, project_id: ref.type === 'project' ? doc.id : doc.project_id! };
  }

  /** Like resolve, and the target must be in `projectId` (422 on `field` otherwise). */
  async function resolveIn(userId: string, ref: TargetRef, projectId: string, field: string) {
    const resolved = await resolve(userId, ref);
    if (resolved.project_id !== projectId) throw ValidationError.field(field, 'must be a resource of the same project');
    return resolved;
  }

  const panelsOf = (filter: Record<string, string>) => store.find<Panel & StoredDoc>('panels', filter, { sort: byOrder });

  async function sceneInput(scene: Scene): Promise<SceneInput> {
    return { ...scene, panels: await panelsOf({ scene_id: scene.id }) };
  }

  async function chapterInput(chapter: Chapter): Promise<ChapterInput> {
    const scenes = await store.find<Scene & StoredDoc>('scenes', { chapter_id: chapter.id }, { sort: byOrder });
    const panels = await panelsOf({ chapter_id: chapter.id });
    return { ...chapter, scenes: scenes.map((scene) => ({ ...scene, panels: panels.filter((panel) => panel.scene_id === scene.id) })) };
  }

  async function imageTarget(ref: TargetRef, doc: TargetDoc, purpose?: 'design' | 'sheet'): Promise<{ target: ImageTarget; scope: { type: ScopeType; id: string } }> {
    switch (ref.type) {
      case 'panel': {
        const panel = doc as unknown as Panel;
        const scene = await store.get<Scene & StoredDoc>('scenes', panel.scene_id);
        return { target: { type: 'panel', panel: panel as PanelInput, ...(scene ? { scene } : {}) }, scope: { type: 'panel', id: panel.id } };
      }
      case 'scene':
        return { target: { type: 'scene', scene: await sceneInput(doc as unknown as Scene) }, scope: { type: 'scene', id: doc.id } };
      case 'chapter':
        return { target: { type: 'chapter', chapter: await chapterInput(doc as unknown as Chapter) }, scope: { type: 'chapter', id: doc.id } };
      case 'character':
        return { target: { type: 'character', character: doc as unknown as Character, ...(purpose ? { purpose } : {}) }, scope: { type: 'project', id: doc.project_id! } };
      case 'location':
        return { target: { type: 'location', location: doc as unknown as Location }, scope: { type: 'project', id: doc.project_id! } };
      case 'project':
        return { target: { type: 'project' }, scope: { type: 'project', id: doc.id } };
    }
  }

  return {
    resolve,
    resolveIn,

    /** Everything a prompt for `ref` draws on. Character and location targets get the project's instructions. */
    async load(userId: string, ref: TargetRef, options: { purpose?: 'design' | 'sheet' } = {}): Promise<LoadedStory> {
      const { doc, project_id } = await resolve(userId, ref);
      const project = await loadOwned<Project>(store, 'projects', project_id, userId, 'Project');
      const { target, scope } = await imageTarget(ref, doc, options.purpose);
      const [characters, locations, instructions] = await Promise.all([
        store.find<Character & StoredDoc>('characters', { project_id }),
        store.find<Location & StoredDoc>('locations', { project_id }),
        applicableFor(userId, scope.type, scope.id),
      ]);
      return {
        project_id,
        ref,
        target,
        context: { project, style_guide: project.style_guide, characters, locations, instructions },
      };
    },

    /** The scene's panels in reading order (404 for another user's scene). */
    async scenePanels(userId: string, sceneId: string): Promise<Panel[]> {
      await resolve(userId, { type: 'scene', id: sceneId });
      return panelsOf({ scene_id: sceneId });
    },
  };
}

export type StoryLoader = ReturnType<typeof createStoryLoader>;
