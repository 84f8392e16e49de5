/**
 * The deep copy behind project duplicate, as a pure function of the loaded tree: every
 * document, dialogue bubble and image record gets a new id, and every internal reference
 * (chapter_id, scene_id, character_ids, location_id, bubble character_id, instruction scope,
 * image ids, an image's panel_id) points at the copies. Image files are not copied: the copied
 * records name the same sha256, so the bytes are shared on disk and stay while either project
 * uses them, while each project owns its records (a delete of one never breaks the other).
 * A reference to something that does not exist in the project is dropped, not carried over dangling.
 */
import { newId } from '../../lib/ids.js';
import type { NewDoc, StoredDoc } from '../../ports/document-store.js';
import { panelDerived } from '../panels/panel-derived.js';
import type { Project } from '../projects/projects.schemas.js';
import type {
  Bubble,
  ChapterDoc,
  CharacterDoc,
  ContentDoc,
  ImageRecord,
  InstructionDoc,
  LocationDoc,
  PanelDoc,
  ProjectTree,
  SceneDoc,
} from './project-tree.js';

export interface ProjectCopy {
  project: NewDoc<Project>;
  chapters: NewDoc<ChapterDoc>[];
  scenes: NewDoc<SceneDoc>[];
  panels: NewDoc<PanelDoc>[];
  characters: NewDoc<CharacterDoc>[];
  locations: NewDoc<LocationDoc>[];
  instructions: NewDoc<InstructionDoc>[];
  images: NewDoc<ImageRecord>[];
}

/**
 * A shallow copy without the store-managed fields, so the copy starts at version 1 with fresh
 * timestamps. Typed as T because Omit<> would erase the named fields of index-signature types.
 */
function unmanaged<T extends StoredDoc>(doc: T): T {
  const copy: Partial<T> = { ...doc };
  delete copy.created_at;
  delete copy.updated_at;
  delete copy.version;
  return copy as T;
}

class IdMap {
  private readonly ids = new Map<string, string>();

  /** Assigns (once) and returns the copy's id for a source id. */
  assign(sourceId: string): string {
    let id = this.ids.get(sourceId);
    if (id === undefined) {
      id = newId();
      this.ids.set(sourceId, id);
    }
    return id;
  }

  /** The copy's id, or null for a reference to nothing in the tree. */
  ref(sourceId: unknown): string | null {
    return typeof sourceId === 'string' ? (this.ids.get(sourceId) ?? null) : null;
  }

  refs(sourceIds: unknown): string[] {
    if (!Array.isArray(sourceIds)) return [];
    return sourceIds.map((id) => this.ref(id)).filter((id): id is string => id !== null);
  }
}

const SINGLE_REFS = ['location_id', 'image_id', 'cover_image_id', 'sheet_image_id'];
const LIST_REFS = ['character_ids', 'design_image_ids', 'reference_image_ids'];

/** Remaps the reference fields a document carries, keeping absent ones absent. */
function remapRefs<T extends Record<string, unknown>>(doc: T, ids: IdMap): T {
  const copy: Record<string, unknown> = { ...doc };
  for (const field of SINGLE_REFS) if (field in doc) copy[field] = ids.ref(doc[field]);
  for (const field of LIST_REFS) if (field in doc) copy[field] = ids.refs(doc[field]);
  return copy as T;
}

function copyBubble(bubble: Bubble, ids: IdMap): Bubble {
  const copy: Bubble = { ...bubble, id: newId() };
  if ('character_id' in bubble) copy.character_id = ids.ref(bubble.character_id);
  return copy;
}

export function copyProjectTree(tree: ProjectTree, title: string): ProjectCopy {
  const ids = new IdMap();
  const projectId = ids.assign(tree.project.id);
  // Ids first, so references resolve whatever order the documents are copied in.
  for (const doc of [...tree.characters, ...tree.locations, ...tree.images]) ids.assign(doc.id);
  for (const { chapter, scenes } of tree.chapters) {
    ids.assign(chapter.id);
    for (const { scene, panels } of scenes) {
      ids.assign(scene.id);
      for (const panel of panels) ids.assign(panel.id);
    }
  }

  const content = <T extends ContentDoc>(doc: T): T => remapRefs({ ...unmanaged(doc), id: ids.assign(doc.id), project_id: projectId }, ids);
  const { style_guide: styleGuide } = tree.project;
  const copy: ProjectCopy = {
    project: {
      ...unmanaged(tree.project),
      id: projectId,
      title,
      style_guide: { ...styleGuide, reference_image_ids: ids.refs(styleGuide?.reference_image_ids) },
    },
    chapters: [],
    scenes: [],
    panels: [],
    characters: tree.characters.map(content),
    locations: tree.locations.map(content),
    instructions: [],
    images: tree.images.map((image) => ({ ...content(image), panel_id: ids.ref(image.panel_id) })),
  };
  for (const { chapter, scenes } of tree.chapters) {
    copy.chapters.push(content(chapter));
    for (const { scene, panels } of scenes) {
      copy.scenes.push({ ...content(scene), chapter_id: ids.assign(chapter.id) });
      for (const panel of panels) {
        const panelCopy = { ...content(panel), chapter_id: ids.assign(chapter.id), scene_id: ids.assign(scene.id) };
        if (Array.isArray(panel.dialogue)) panelCopy.dialogue = panel.dialogue.map((bubble) => copyBubble(bubble, ids));
        // Speakers were remapped (or dropped): the derived fields are computed anew, never copied.
        copy.panels.push({ ...panelCopy, ...panelDerived(panelCopy.dialogue) });
      }
    }
  }
  for (const instruction of tree.instructions) {
    const scopeId = instruction.scope?.type === 'project' ? projectId : ids.ref(instruction.scope?.id);
    if (scopeId === null) continue;
    const instructionCopy = { ...content(instruction), scope: { ...instruction.scope, id: scopeId } };
    if ('scope_id' in instruction) instructionCopy.scope_id = scopeId;
    copy.instructions.push(instructionCopy);
  }
  return copy;
}
