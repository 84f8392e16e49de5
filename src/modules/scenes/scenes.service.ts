import type { DocumentStore } from '../../ports/document-store.js';
import type { ContentAction, EventBus } from '../../ports/event-bus.js';
import { VersionConflictError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { closeGap, makeRoom, shiftForMove, type Ordered } from '../shared/ordering.js';
import { assertInProject } from '../shared/references.js';
import { deleteSceneTrees } from './scene-cascade.js';
import type { Scene, SceneCreate, SceneUpdate } from './scenes.schemas.js';

const SCENES = 'scenes';

export interface ScenesDeps {
  store: Pick<DocumentStore, 'get' | 'findPage' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

type Reader = Pick<DocumentStore, 'get'>;
type Tx = Pick<DocumentStore, 'count'>;

interface ChapterRef extends Owned {
  project_id: string;
}

/** `character_ids` and `location_id` must name characters/locations of the scene's project. */
async function assertReferences(tx: Tx, projectId: string, input: Pick<SceneCreate, 'character_ids' | 'location_id'>): Promise<void> {
  if (input.character_ids) await assertInProject(tx, 'characters', projectId, input.character_ids, 'character_ids');
  if (input.location_id) await assertInProject(tx, 'locations', projectId, [input.location_id], 'location_id');
}

export function createScenesService({ store, events }: ScenesDeps) {
  const loadIn = (reader: Reader, userId: string, sceneId: string) => loadOwned<Scene>(reader, SCENES, sceneId, userId, 'Scene');
  const loadChapter = (reader: Reader, userId: string, chapterId: string) => loadOwned<ChapterRef>(reader, 'chapters', chapterId, userId, 'Chapter');

  /** One event for the scene itself, then 'updated' for every sibling whose order moved. */
  async function announce(scene: Scene, action: ContentAction, shifted: Ordered[] = []): Promise<void> {
    const parent = { type: 'chapter', id: scene.chapter_id };
    const version = action === 'deleted' ? null : scene.version;
    await publishContentChange(events, scene, { resource: 'scene', id: scene.id, action, version, parent });
    for (const sibling of shifted) {
      if (sibling.id === scene.id) continue;
      await publishContentChange(events, scene, { resource: 'scene', id: sibling.id, action: 'updated', version: sibling.version, parent });
    }
  }

  return {
    async list(userId: string, chapterId: string, page: PageRequest): Promise<PageResult<Scene>> {
      await loadChapter(store, userId, chapterId);
      const { items, total } = await store.findPage<Scene>(SCENES, { chapter_id: chapterId }, { ...page, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    get: (userId: string, sceneId: string) => loadIn(store, userId, sceneId),

    /** Appends, or inserts at `order` shifting the scenes from there on. */
    async create(userId: string, chapterId: string, input: SceneCreate): Promise<Scene> {
      const { scene, shifted } = await store.transaction(async (tx) => {
        const chapter = await loadChapter(tx, userId, chapterId);
        await assertReferences(tx, chapter.project_id, input);
        const room = await makeRoom(tx, SCENES, { chapter_id: chapterId }, input.order);
        const scene = await tx.insert<Scene>(SCENES, {
          id: newId(),
          owner_id: chapter.owner_id,
          project_id: chapter.project_id,
          chapter_id: chapterId,
          title: input.title,
          description: input.description ?? '',
          summary: input.summary ?? '',
          order: room.order,
          location_id: input.location_id ?? null,
          character_ids: input.character_ids ?? [],
        });
        return { scene, shifted: room.shifted };
      });
      await announce(scene, 'created', shifted);
      return scene;
    },

    /** Partial update; `order` moves the scene within its chapter, in the same transaction. */
    async update(userId: string, sceneId: string, input: SceneUpdate): Promise<Scene> {
      const { version, order, ...fields } = input;
      const { scene, shifted } = await store.transaction(async (tx) => {
        const current = await loadIn(tx, userId, sceneId);
        if (version !== undefined && version !== current.version) throw new VersionConflictError(current.version);
        await assertReferences(tx, current.project_id, fields);
        const shifted = order === undefined ? [] : await shiftForMove(tx, SCENES, { chapter_id: current.chapter_id }, current.order, order);
        const patch: Partial<Scene> = order === undefined ? fields : { ...fields, order };
        const scene = await tx.update<Scene>(SCENES, sceneId, patch, version === undefined ? {} : { expectedVersion: version });
        return { scene: scene!, shifted };
      });
      await announce(scene, 'updated', shifted);
      return scene;
    },

    /** Deletes the scene, its panels and everything scoped to them; closes the order gap. */
    async remove(userId: string, sceneId: string): Promise<void> {
      const { scene, shifted } = await store.transaction(async (tx) => {
        const scene = await loadIn(tx, userId, sceneId);
        await deleteSceneTrees(tx, [sceneId]);
        const shifted = await closeGap(tx, SCENES, { chapter_id: scene.chapter_id }, scene.order);
        return { scene, shifted };
      });
      await announce(scene, 'deleted', shifted);
    },
  };
}

export type ScenesService = ReturnType<typeof createScenesService>;
