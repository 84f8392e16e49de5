/**
 * Panels of a scene: CRUD, listing and reordering. Every change that moves orders runs in
 * one transaction (panels stay dense 0..n-1) and its events go out after the commit.
 * Split, merge and dialogue replacement live in panels.edits.ts.
 */
import { assertImageFields } from '../shared/image-refs.js';
import { NotFoundError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { applyOrder, closeGap, makeRoom, siblings } from '../shared/ordering.js';
import { buildDialogue } from './panels.logic.js';
import { createPanelEdits } from './panels.edits.js';
import { withDialogue } from './panel-derived.js';
import { PANEL_DEFAULTS, type Panel, type PanelCreate, type PanelUpdate } from './panels.schemas.js';
import {
  PANELS,
  assertPanelReferences,
  deletePanelDocs,
  inScene,
  loadPanel,
  loadScene,
  panelEvents,
  type PanelsDeps,
} from './panels.support.js';

export type { PanelsDeps } from './panels.support.js';

export function createPanelsService(deps: PanelsDeps) {
  const { store, events } = deps;

  return {
    ...createPanelEdits(deps),

    /** One page of a scene's panels; the store pages on the (scene_id, order) index. */
    async list(userId: string, sceneId: string, page: PageRequest): Promise<PageResult<Panel>> {
      await loadScene(store, userId, sceneId);
      const { items, total } = await store.findPage<Panel>(PANELS, inScene(sceneId), { skip: page.skip, limit: page.limit, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    get: (userId: string, panelId: string): Promise<Panel> => loadPanel(store, userId, panelId),

    /** Appends the panel, or inserts it at `order` shifting the later ones. */
    async create(userId: string, sceneId: string, input: PanelCreate): Promise<Panel> {
      const { order, dialogue, ...fields } = input;
      const bubbles = buildDialogue(dialogue ?? []);
      const { panel, shifted } = await store.transaction(async (tx) => {
        const scene = await loadScene(tx, userId, sceneId);
        await assertPanelReferences(tx, scene.project_id, { ...fields, dialogue: bubbles });
        const room = await makeRoom(tx, PANELS, inScene(sceneId), order);
        const panel = await tx.insert<Panel>(PANELS, {
          id: newId(),
          owner_id: userId,
          project_id: scene.project_id,
          chapter_id: scene.chapter_id,
          scene_id: sceneId,
          order: room.order,
          ...PANEL_DEFAULTS,
          ...fields,
          ...withDialogue(bubbles),
        });
        return { panel, shifted: room.shifted };
      });
      const publish = panelEvents(events, panel);
      await publish.created(panel);
      await publish.reordered(shifted);
      return panel;
    },

    /** Partial update with an optional version check (stale is a 409, nothing changes). */
    async update(userId: string, panelId: string, input: PanelUpdate): Promise<Panel> {
      const { version, ...fields } = input;
      const updated = await store.transaction(async (tx) => {
        const panel = await loadPanel(tx, userId, panelId);
        await assertPanelReferences(tx, panel.project_id, fields);
        await assertImageFields(tx, panel, fields);
        return tx.update<Panel>(PANELS, panelId, fields, version === undefined ? {} : { expectedVersion: version });
      });
      if (!updated) throw new NotFoundError('Panel');
      await panelEvents(events, updated).updated(updated);
      return updated;
    },

    /** Deletes the panel and the instructions scoped to it, and closes the gap, in one transaction. */
    async remove(userId: string, panelId: string): Promise<void> {
      const { panel, instructionIds, shifted } = await store.transaction(async (tx) => {
        const panel = await loadPanel(tx, userId, panelId);
        const instructionIds = await deletePanelDocs(tx, panelId);
        const shifted = await closeGap(tx, PANELS, inScene(panel.scene_id), panel.order);
        return { panel, instructionIds, shifted };
      });
      const publish = panelEvents(events, panel);
      await publish.deleted(panelId);
      await publish.instructionsDeleted(instructionIds, panelId);
      await publish.reordered(shifted);
    },

    /** Gives the scene's panels the order of `panelIds` (a permutation of them, else 422); answers them in that order. */
    async reorder(userId: string, sceneId: string, panelIds: string[]): Promise<Panel[]> {
      const { scene, changed, panels } = await store.transaction(async (tx) => {
        const scene = await loadScene(tx, userId, sceneId);
        const changed = await applyOrder(tx, PANELS, inScene(sceneId), panelIds, 'panel_ids');
        return { scene, changed, panels: await siblings<Panel>(tx, PANELS, inScene(sceneId)) };
      });
      await panelEvents(events, { scene_id: sceneId, project_id: scene.project_id, owner_id: scene.owner_id }).reordered(changed);
      return panels;
    },
  };
}

export type PanelsService = ReturnType<typeof createPanelsService>;
