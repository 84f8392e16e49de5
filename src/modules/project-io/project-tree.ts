/**
 * A whole project loaded in story order with one query per collection (never one per chapter,
 * scene or panel). Export, duplicate and AI generation all walk this same tree.
 *
 * The document types are structural: they name only the fields this module relies on and
 * keep every other stored field, so a field another module adds travels along untouched.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { Project } from '../projects/projects.schemas.js';

export interface ContentDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
  [field: string]: unknown;
}

export interface ChapterDoc extends ContentDoc {
  order: number;
  cover_image_id?: string | null;
}

export interface SceneDoc extends ContentDoc {
  chapter_id: string;
  order: number;
  location_id?: string | null;
  character_ids?: string[];
}

export interface Bubble {
  id: string;
  type: string;
  character_id?: string | null;
  text: string;
  order: number;
  [field: string]: unknown;
}

export interface PanelDoc extends ContentDoc {
  chapter_id: string;
  scene_id: string;
  order: number;
  location_id?: string | null;
  character_ids?: string[];
  dialogue?: Bubble[];
  image_id?: string | null;
}

export interface CharacterDoc extends ContentDoc {
  design_image_ids?: string[];
  sheet_image_id?: string | null;
  reference_image_ids?: string[];
}

export interface LocationDoc extends ContentDoc {
  reference_image_ids?: string[];
}

export type ScopeType = 'project' | 'chapter' | 'scene' | 'panel';

export interface InstructionDoc extends ContentDoc {
  scope: { type: ScopeType; id: string };
  scope_type?: ScopeType;
  scope_id?: string;
}

/** An image record; the file itself lives in the blob store under its sha256, shared by identical bytes. */
export interface ImageRecord extends ContentDoc {
  sha256: string;
  panel_id?: string | null;
  mime_type?: string;
}

export interface SceneNode {
  scene: SceneDoc;
  panels: PanelDoc[];
}

export interface ChapterNode {
  chapter: ChapterDoc;
  scenes: SceneNode[];
}

export interface ProjectTree {
  project: Project;
  chapters: ChapterNode[];
  characters: CharacterDoc[];
  locations: LocationDoc[];
  instructions: InstructionDoc[];
  images: ImageRecord[];
}

const asc = (...fields: string[]) => ({ sort: fields.map((field) => ({ field, direction: 1 as const })) });

function groupBy<T>(docs: T[], key: (doc: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const doc of docs) {
    const id = key(doc);
    const group = groups.get(id);
    if (group) group.push(doc);
    else groups.set(id, [doc]);
  }
  return groups;
}

/** Bubbles live inside the panel; sort them too so readers never depend on write order. */
function withSortedDialogue(panel: PanelDoc): PanelDoc {
  if (!Array.isArray(panel.dialogue) || panel.dialogue.length < 2) return panel;
  return { ...panel, dialogue: [...panel.dialogue].sort((a, b) => a.order - b.order) };
}

/**
 * Loads the project's documents, seven queries in all (image records, not files). Pass a transaction store for a consistent
 * snapshot. Scenes or panels whose parent is missing are unreachable in story order and left out.
 */
export async function loadProjectTree(store: Pick<DocumentStore, 'find'>, project: Project): Promise<ProjectTree> {
  const byProject = { project_id: project.id };
  const chapters = await store.find<ChapterDoc>('chapters', byProject, asc('order'));
  const scenes = await store.find<SceneDoc>('scenes', byProject, asc('chapter_id', 'order'));
  const panels = await store.find<PanelDoc>('panels', byProject, asc('scene_id', 'order'));
  const characters = await store.find<CharacterDoc>('characters', byProject, asc('created_at'));
  const locations = await store.find<LocationDoc>('locations', byProject, asc('created_at'));
  const instructions = await store.find<InstructionDoc>('instructions', byProject, asc('created_at'));
  const images = await store.find<ImageRecord>('images', byProject, asc('created_at'));

  const scenesByChapter = groupBy(scenes, (scene) => scene.chapter_id);
  const panelsByScene = groupBy(panels, (panel) => panel.scene_id);
  return {
    project,
    chapters: chapters.map((chapter) => ({
      chapter,
      scenes: (scenesByChapter.get(chapter.id) ?? []).map((scene) => ({
        scene,
        panels: (panelsByScene.get(scene.id) ?? []).map(withSortedDialogue),
      })),
    })),
    characters,
    locations,
    instructions,
    images,
  };
}

/** Every panel in story order (chapter, then scene, then panel order). */
export function* panelsInStoryOrder(tree: ProjectTree): Generator<PanelDoc> {
  for (const { scenes } of tree.chapters) for (const { panels } of scenes) yield* panels;
}

/** The ids of every image the project refers to (covers, panel art, designs, references, style guide). */
export function referencedImageIds(tree: ProjectTree): string[] {
  const ids = new Set<string>();
  const add = (id: unknown) => {
    if (typeof id === 'string' && id !== '') ids.add(id);
  };
  const addAll = (list: unknown) => {
    if (Array.isArray(list)) list.forEach(add);
  };
  addAll(tree.project.style_guide?.reference_image_ids);
  for (const { chapter, scenes } of tree.chapters) {
    add(chapter.cover_image_id);
    for (const { panels } of scenes) for (const panel of panels) add(panel.image_id);
  }
  for (const character of tree.characters) {
    addAll(character.design_image_ids);
    add(character.sheet_image_id);
    addAll(character.reference_image_ids);
  }
  for (const location of tree.locations) addAll(location.reference_image_ids);
  return [...ids];
}
