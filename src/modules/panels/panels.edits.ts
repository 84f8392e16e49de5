/**
 * Edits that restructure panels: split one in two, merge two into one, replace the dialogue.
 * Each runs in one transaction (orders stay dense) and publishes its events after the commit.
 */
import { ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { closeGap, makeRoom } from '../shared/ordering.js';
import { buildDialogue, joinDescriptions, mergeDialogue, splitDialogue, unionIds } from './panels.logic.js';
import { PANEL_DEFAULTS, type DialogueReplace, type Panel } from './panels.schemas.js';
import { withDialogue } from './panel-derived.js';
import { PANELS, assertPanelReferences, deletePanelDocs, inScene, loadPanel, panelEvents, type PanelsDeps } from './panels.support.js';

export function createPanelEdits({ store, events }: PanelsDeps) {
  return {
    /**
     * Bubbles `dialogueIndex`..end move to a new panel right after this one (default: half,
     * rounded up); the new panel copies description, shot, camera, characters and location.
     */
    async split(userId: string, panelId: string, dialogueIndex?: number): Promise<{ panel: Panel; new_panel: Panel }> {
      const result = await store.transaction(async (tx) => {
        const panel = await loadPanel(tx, userId, panelId);
        const { kept, moved } = splitDialogue(panel.dialogue, dialogueIndex);
        const room = await makeRoom(tx, PANELS, inScene(panel.scene_id), panel.order + 1);
        const newPanel = await tx.insert<Panel>(PANELS, {
          id: newId(),
          owner_id: panel.owner_id,
          project_id: panel.project_id,
          chapter_id: panel.chapter_id,
          scene_id: panel.scene_id,
          order: room.order,
          ...PANEL_DEFAULTS,
          description: panel.description,
          shot_type: panel.shot_type,
          camera_angle: panel.camera_angle,
          character_ids: [...panel.character_ids],
          location_id: panel.location_id,
          ...withDialogue(moved),
        });
        const updated = (await tx.update<Panel>(PANELS, panelId, withDialogue(kept)))!;
        return { panel: updated, new_panel: newPanel, shifted: room.shifted };
      });
      const publish = panelEvents(events, result.panel);
      await publish.updated(result.panel);
      await publish.dialogue(result.panel);
      await publish.created(result.new_panel);
      await publish.reordered(result.shifted);
      return { panel: result.panel, new_panel: result.new_panel };
    },

    /**
     * Appends the other panel (same scene) to this one: bubbles, description (blank line
     * between, empty ones skipped), characters (united); then deletes it and closes the gap.
     * The other panel being this one, elsewhere, unknown or not the user's is a 422 on panel_id
     * (a body reference that does not resolve, like character_ids), so existence never leaks.
     */
    async merge(userId: string, panelId: string, otherId: string): Promise<Panel> {
      const result = await store.transaction(async (tx) => {
        const panel = await loadPanel(tx, userId, panelId);
        if (otherId === panelId) throw ValidationError.field('panel_id', 'must be another panel than the one merged into');
        const other = await tx.get<Panel>(PANELS, otherId);
        if (!other || other.owner_id !== userId || other.scene_id !== panel.scene_id) {
          throw ValidationError.field('panel_id', 'must be another panel of the same scene');
        }
        await tx.update<Panel>(PANELS, panelId, {
          ...withDialogue(mergeDialogue(panel.dialogue, other.dialogue)),
          description: joinDescriptions(panel.description, other.description),
          character_ids: unionIds(panel.character_ids, other.character_ids),
        });
        const instructionIds = await deletePanelDocs(tx, otherId);
        const shifted = await closeGap(tx, PANELS, inScene(panel.scene_id), other.order);
        // Re-read: closing the gap may have moved this panel too.
        const merged = (await tx.get<Panel>(PANELS, panelId))!;
        return { merged, instructionIds, shifted };
      });
      const { merged } = result;
      const publish = panelEvents(events, merged);
      await publish.updated(merged);
      await publish.dialogue(merged);
      await publish.deleted(otherId);
      await publish.instructionsDeleted(result.instructionIds, otherId);
      await publish.reordered(result.shifted, merged.id);
      return merged;
    },

    /** Replaces the bubble list (ids kept where the client sent an existing one, order = index). */
    async replaceDialogue(userId: string, panelId: string, input: DialogueReplace): Promise<Panel> {
      const updated = await store.transaction(async (tx) => {
        const panel = await loadPanel(tx, userId, panelId);
        const dialogue = buildDialogue(input.dialogue, panel.dialogue);
        await assertPanelReferences(tx, panel.project_id, { dialogue });
        const options = input.version === undefined ? {} : { expectedVersion: input.version };
        return (await tx.update<Panel>(PANELS, panelId, withDialogue(dialogue), options))!;
      });
      const publish = panelEvents(events, updated);
      await publish.updated(updated);
      await publish.dialogue(updated);
      return updated;
    },
  };
}
