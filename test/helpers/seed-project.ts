/**
 * Plants a small but complete project straight into the store (no HTTP), with known
 * numbers for stats and every kind of reference for export and duplicate tests. Documents are
 * inserted out of story order on purpose, so readers must sort rather than trust insert order.
 */
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import { DEFAULT_STYLE_GUIDE } from '../../src/modules/projects/projects.schemas.js';
import { panelDerived } from '../../src/modules/panels/panel-derived.js';

type Doc = StoredDoc & Record<string, unknown>;

export interface SeededProject {
  project: Doc;
  chapters: Doc[];
  scenes: Doc[];
  panels: Doc[];
  characters: Doc[];
  locations: Doc[];
  instructions: Doc[];
  /** Image records (no files): every referenced image and one unreferenced upload. */
  images: Doc[];
  /** Every image id referenced anywhere in the project. */
  imageIds: string[];
  /** Exact numbers the stats endpoint must report (drafts are planted by the caller). */
  expected: { bubbles: number; words: number; panelsWithoutImage: number };
}

export async function seedProject(store: DocumentStore, ownerId: string, title = 'Café Noir: Part 2'): Promise<SeededProject> {
  const base = (projectId: string) => ({ owner_id: ownerId, project_id: projectId });
  const img = () => newId();
  const projectId = newId();
  const styleRef = img();
  const project = await store.insert<Doc>('projects', {
    id: projectId,
    owner_id: ownerId,
    title,
    description: 'A detective story',
    genre: 'noir',
    tags: ['rain'],
    style_guide: { ...DEFAULT_STYLE_GUIDE, art_style: 'ink', color_palette: ['#112233'], reference_image_ids: [styleRef] },
  });

  const [hero, villain] = [newId(), newId()];
  const dock = newId();
  const designs = [img(), img()];
  const sheet = img();
  const charRef = img();
  const locRef = img();
  const characters = await store.insertMany<Doc>('characters', [
    { id: villain, ...base(projectId), name: 'Villain', role: 'antagonist', design_image_ids: [], sheet_image_id: null, reference_image_ids: [] },
    { id: hero, ...base(projectId), name: 'Hero', role: 'protagonist', design_image_ids: designs, sheet_image_id: sheet, reference_image_ids: [charRef] },
  ]);
  const locations = await store.insertMany<Doc>('locations', [
    { id: dock, ...base(projectId), name: 'Dock', description: 'Wet', reference_image_ids: [locRef], tags: [] },
  ]);

  // Chapter 1 is inserted before chapter 0; scenes and panels likewise.
  const [ch0, ch1] = [newId(), newId()];
  const cover = img();
  const chapters = await store.insertMany<Doc>('chapters', [
    { id: ch1, ...base(projectId), title: 'Two', summary: '', order: 1, cover_image_id: null },
    { id: ch0, ...base(projectId), title: 'One', summary: 'Start', order: 0, cover_image_id: cover },
  ]);
  const [s00, s01, s10] = [newId(), newId(), newId()];
  const scene = (id: string, chapterId: string, order: number, extra: Record<string, unknown> = {}) => ({
    id,
    ...base(projectId),
    chapter_id: chapterId,
    title: `Scene ${order}`,
    description: '',
    summary: '',
    order,
    location_id: null,
    character_ids: [],
    ...extra,
  });
  const scenes = await store.insertMany<Doc>('scenes', [
    scene(s10, ch1, 0, { character_ids: [villain] }),
    scene(s01, ch0, 1),
    scene(s00, ch0, 0, { location_id: dock, character_ids: [hero, villain] }),
  ]);

  const panelImages = [img(), img()];
  const bubble = (order: number, type: string, characterId: string | null, text: string) => ({ id: newId(), type, character_id: characterId, text, order });
  // Stored like every write path stores a panel: with the fields derived from its dialogue.
  const panel = (chapterId: string, sceneId: string, order: number, extra: Record<string, unknown> = {}) => {
    const doc = {
      id: newId(),
      ...base(projectId),
      chapter_id: chapterId,
      scene_id: sceneId,
      order,
      description: `Panel ${order}`,
      shot_type: 'medium',
      camera_angle: '',
      character_ids: [],
      location_id: null,
      visual_prompt: '',
      dialogue: [],
      image_id: null,
      notes: '',
      ...extra,
    };
    return { ...doc, ...panelDerived(doc.dialogue) };
  };
  const panels = await store.insertMany<Doc>('panels', [
    panel(ch0, s00, 2, { image_id: panelImages[0] }),
    // Bubbles stored out of order: export must list them by `order`.
    panel(ch0, s00, 0, {
      character_ids: [hero],
      location_id: dock,
      dialogue: [bubble(1, 'speech', villain, '  Who   goes there? '), bubble(0, 'speech', hero, 'Hello, world.')],
    }),
    panel(ch0, s00, 1, { dialogue: [bubble(0, 'caption', null, 'Meanwhile...')] }),
    panel(ch1, s10, 1, { character_ids: [villain], image_id: panelImages[1], dialogue: [bubble(0, 'sfx', null, 'BOOM')] }),
    panel(ch1, s10, 0, { dialogue: [bubble(0, 'thought', villain, 'Soon, very soon, it all ends.')] }),
  ]);

  const instruction = (type: string, id: string, content: string, priority = 0) => ({
    id: newId(),
    ...base(projectId),
    scope: { type, id },
    scope_type: type,
    scope_id: id,
    content,
    priority,
    enabled: true,
  });
  const panelInScene00 = panels.find((p) => p.scene_id === s00 && p.order === 0)!;
  const instructions = await store.insertMany<Doc>('instructions', [
    instruction('project', projectId, 'Keep it moody'),
    instruction('chapter', ch0, 'Slow start', 1),
    instruction('scene', s00, 'Rain everywhere'),
    instruction('panel', panelInScene00.id, 'Close on the eyes', 5),
  ]);

  // One record per referenced image, plus one upload nothing refers to yet (still part of the project).
  const unreferenced = img();
  const allImageIds = [styleRef, ...designs, sheet, charRef, locRef, cover, ...panelImages, unreferenced];
  const images = await store.insertMany<Doc>(
    'images',
    allImageIds.map((id, i) => ({
      id,
      ...base(projectId),
      panel_id: id === panelImages[0] ? panels[0]!.id : null,
      source: 'upload',
      mime_type: 'image/png',
      width: 10,
      height: 10,
      size_bytes: 100,
      sha256: String(i % 4).repeat(64),
      metadata: {},
    })),
  );

  return {
    project,
    chapters,
    scenes,
    panels,
    characters,
    locations,
    instructions,
    images,
    imageIds: [styleRef, ...designs, sheet, charRef, locRef, cover, ...panelImages],
    // Words: "Who goes there?" 3 + "Hello, world." 2 + "Meanwhile..." 1 + "BOOM" 1 + "Soon, very soon, it all ends." 6.
    expected: { bubbles: 5, words: 13, panelsWithoutImage: 3 },
  };
}
