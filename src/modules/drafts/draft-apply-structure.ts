/**
 * Appliers that create story structure: a breakdown appends its proposed panels to the scene,
 * a generated chapter appends its scenes (each with its panels) to the chapter. Orders stay
 * dense (appended one by one with makeRoom), and every created document gets the `created`
 * event POST /scenes/{scene_id}/panels or POST /chapters/{chapter_id}/scenes would publish.
 */
import { ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { makeRoom } from '../shared/ordering.js';
import { buildDialogue } from '../panels/panels.logic.js';
import { PANEL_DEFAULTS, type Panel } from '../panels/panels.schemas.js';
import { inScene, PANELS } from '../panels/panels.support.js';
import { withDialogue } from '../panels/panel-derived.js';
import { BreakdownContent, ChapterContent, checkContent, normaliseBubbles, normalisePanel, sceneTitle, type KnownRefs, type PanelProposal } from './draft-content.js';
import { appliedTo, changed, loadTarget, type Applier, type ApplyTx, type PendingEvent, type ScopedDoc } from './draft-apply-support.js';

interface SceneDoc extends ScopedDoc {
  chapter_id: string;
  title: string;
  description: string;
  summary: string;
  order: number;
  location_id: string | null;
  character_ids: string[];
}

type Ref = { type: string; id: string };

async function knownRefs(tx: ApplyTx, projectId: string): Promise<KnownRefs> {
  const [characters, locations] = await Promise.all([tx.find('characters', { project_id: projectId }, { fields: [] }), tx.find('locations', { project_id: projectId }, { fields: [] })]);
  return { characters: new Set(characters.map((doc) => doc.id)), locations: new Set(locations.map((doc) => doc.id)) };
}

/** Appends the proposed panels to the scene, in the proposal's order. */
async function appendPanels(tx: ApplyTx, scene: SceneDoc, proposals: readonly PanelProposal[], known: KnownRefs): Promise<Panel[]> {
  const created: Panel[] = [];
  for (const proposal of proposals) {
    const { order } = await makeRoom(tx, PANELS, inScene(scene.id), undefined);
    created.push(
      await tx.insert<Panel>(PANELS, {
        id: newId(),
        owner_id: scene.owner_id,
        project_id: scene.project_id,
        chapter_id: scene.chapter_id,
        scene_id: scene.id,
        order,
        ...PANEL_DEFAULTS,
        ...normalisePanel(proposal, known),
        ...withDialogue(buildDialogue(normaliseBubbles(proposal.dialogue ?? [], known))),
      }),
    );
  }
  return created;
}

const panelRefs = (panels: Panel[]): Ref[] => panels.map((panel) => ({ type: 'panel', id: panel.id }));
const panelsCreated = (panels: Panel[]): PendingEvent[] => panels.map((panel) => changed('panel', panel, 'created'));

/** `{ panels: [...] }` -> new panels at the end of the scene. */
export const sceneBreakdown: Applier = async (tx, { draft, variant }) => {
  const content = checkContent(BreakdownContent, variant.content, 'breakdown ({ panels: [...] })');
  if (content.panels.length === 0) throw ValidationError.field('variant.content.panels', 'The breakdown proposes no panels');
  const scene = await loadTarget<SceneDoc>(tx, 'scenes', draft, 'Scene');
  const panels = await appendPanels(tx, scene, content.panels, await knownRefs(tx, scene.project_id));
  return { applied: appliedTo('scene', scene, panelRefs(panels)), events: panelsCreated(panels) };
};

/** `{ scenes: [{ title, description, location_id, character_ids, panels }] }` -> new scenes (with their panels) at the end of the chapter. */
export const generatedChapter: Applier = async (tx, { draft, variant }) => {
  const content = checkContent(ChapterContent, variant.content, 'generated chapter ({ scenes: [...] })');
  const chapter = await loadTarget<ScopedDoc>(tx, 'chapters', draft, 'Chapter');
  const known = await knownRefs(tx, chapter.project_id);
  const created: Ref[] = [];
  const events: PendingEvent[] = [];
  for (const proposal of content.scenes) {
    const { order } = await makeRoom(tx, 'scenes', { chapter_id: chapter.id }, undefined);
    const scene = await tx.insert<SceneDoc>('scenes', {
      id: newId(),
      owner_id: chapter.owner_id,
      project_id: chapter.project_id,
      chapter_id: chapter.id,
      title: sceneTitle(proposal.title, order),
      description: proposal.description ?? '',
      summary: proposal.summary ?? '',
      order,
      location_id: proposal.location_id && known.locations.has(proposal.location_id) ? proposal.location_id : null,
      character_ids: [...new Set((proposal.character_ids ?? []).filter((id) => known.characters.has(id)))],
    });
    const panels = await appendPanels(tx, scene, proposal.panels ?? [], known);
    created.push({ type: 'scene', id: scene.id }, ...panelRefs(panels));
    events.push(changed('scene', scene, 'created'), ...panelsCreated(panels));
  }
  return { applied: appliedTo('chapter', chapter, created), events };
};
