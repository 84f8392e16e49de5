import { assertImageFields } from '../shared/image-refs.js';
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { ContentAction, EventBus } from '../../ports/event-bus.js';
import { VersionConflictError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { closeGap, makeRoom, moveTo, shiftForMove, type Ordered } from '../shared/ordering.js';
import { deleteSceneTrees, deleteScopedTo } from '../scenes/scene-cascade.js';
import type { Chapter, ChapterCreate, ChapterUpdate } from './chapters.schemas.js';

const CHAPTERS = 'chapters';

export interface ChaptersDeps {
  store: Pick<DocumentStore, 'get' | 'findPage' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

type Reader = Pick<DocumentStore, 'get'>;

export function createChaptersService({ store, events }: ChaptersDeps) {
  const loadIn = (reader: Reader, userId: string, chapterId: string) => loadOwned<Chapter>(reader, CHAPTERS, chapterId, userId, 'Chapter');
  const loadProject = (reader: Reader, userId: string, projectId: string) => loadOwned<Owned>(reader, 'projects', projectId, userId, 'Project');

  /** One event for the chapter itself, then 'updated' for every sibling whose order moved. */
  async function announce(chapter: Chapter, action: ContentAction, shifted: Ordered[] = []): Promise<void> {
    const parent = { type: 'project', id: chapter.project_id };
    const version = action === 'deleted' ? null : chapter.version;
    await publishContentChange(events, chapter, { resource: 'chapter', id: chapter.id, action, version, parent });
    for (const sibling of shifted) {
      if (sibling.id === chapter.id) continue;
      await publishContentChange(events, chapter, { resource: 'chapter', id: sibling.id, action: 'updated', version: sibling.version, parent });
    }
  }

  return {
    async list(userId: string, projectId: string, page: PageRequest): Promise<PageResult<Chapter>> {
      await loadProject(store, userId, projectId);
      const { items, total } = await store.findPage<Chapter>(CHAPTERS, { project_id: projectId }, { ...page, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    get: (userId: string, chapterId: string) => loadIn(store, userId, chapterId),

    /** Appends, or inserts at `order` shifting the chapters from there on. */
    async create(userId: string, projectId: string, input: ChapterCreate): Promise<Chapter> {
      const { chapter, shifted } = await store.transaction(async (tx) => {
        const project = await loadProject(tx, userId, projectId);
        const room = await makeRoom(tx, CHAPTERS, { project_id: projectId }, input.order);
        const chapter = await tx.insert<Chapter>(CHAPTERS, {
          id: newId(),
          owner_id: project.owner_id,
          project_id: projectId,
          title: input.title,
          summary: input.summary ?? '',
          order: room.order,
          cover_image_id: null,
        });
        return { chapter, shifted: room.shifted };
      });
      await announce(chapter, 'created', shifted);
      return chapter;
    },

    /** Partial update; `order` moves the chapter, shifting those in between, in the same transaction. */
    async update(userId: string, chapterId: string, input: ChapterUpdate): Promise<Chapter> {
      const { version, order, ...fields } = input;
      const { chapter, shifted } = await store.transaction(async (tx) => {
        const current = await loadIn(tx, userId, chapterId);
        if (version !== undefined && version !== current.version) throw new VersionConflictError(current.version);
        await assertImageFields(tx, current, fields);
        const shifted = order === undefined ? [] : await shiftForMove(tx, CHAPTERS, { project_id: current.project_id }, current.order, order);
        const patch: Partial<Chapter> = order === undefined ? fields : { ...fields, order };
        const chapter = await tx.update<Chapter>(CHAPTERS, chapterId, patch, version === undefined ? {} : { expectedVersion: version });
        return { chapter: chapter!, shifted };
      });
      await announce(chapter, 'updated', shifted);
      return chapter;
    },

    /** Moves the chapter to position `order` (0..count-1). */
    async reorder(userId: string, chapterId: string, order: number): Promise<Chapter> {
      const { chapter, changed } = await store.transaction(async (tx) => {
        const current = await loadIn(tx, userId, chapterId);
        const changed = await moveTo(tx, CHAPTERS, { project_id: current.project_id }, chapterId, order);
        const moved = changed.find((doc) => doc.id === chapterId) as Chapter | undefined;
        return { chapter: moved ?? current, changed };
      });
      if (changed.length > 0) await announce(chapter, 'updated', changed);
      return chapter;
    },

    /** Deletes the chapter with its scenes, their panels and everything scoped to them; closes the order gap. */
    async remove(userId: string, chapterId: string): Promise<void> {
      const { chapter, shifted } = await store.transaction(async (tx) => {
        const chapter = await loadIn(tx, userId, chapterId);
        const scenes = await tx.find<StoredDoc>('scenes', { chapter_id: chapterId }, { fields: [] });
        await deleteSceneTrees(tx, scenes.map((scene) => scene.id));
        await deleteScopedTo(tx, [chapterId]);
        await tx.delete(CHAPTERS, chapterId);
        const shifted = await closeGap(tx, CHAPTERS, { project_id: chapter.project_id }, chapter.order);
        return { chapter, shifted };
      });
      await announce(chapter, 'deleted', shifted);
    },
  };
}

export type ChaptersService = ReturnType<typeof createChaptersService>;
