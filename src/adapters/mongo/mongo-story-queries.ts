/**
 * StoryQueries on the MongoDB store's database, with aggregation pipelines: each `$match`
 * starts from an index (the multikey character_ids / speaker_ids indexes, location_id) and
 * keeps to the project, `$project` ships only the listed fields, and the panels' `speaks`
 * flag is computed in the server. Story order needs the orders of the chapters and scenes
 * around the matches; those come from two small projected pipelines and the final sort runs
 * here (lib/story-order.ts) over the matched entries only.
 *
 * FerretDB v1 (CI) evaluates no expression operators in `$project`/`$set` ($in, $cond,
 * $ifNull: "not implemented") and has no `$lookup`, `$unionWith` or `$facet`. So the flag is
 * never computed by an expression: panels where the character speaks and panels only
 * listing it are two `$match` branches, each adding a constant `speaks`. MongoDB runs both
 * branches in ONE pipeline (`$unionWith`); on FerretDB they are two pipelines run side by side.
 */
import type { Document } from 'mongodb';
import type { DocumentStore } from '../../ports/document-store.js';
import type { PanelAppearance, PanelEntry, SceneEntry, StoryQueries } from '../../ports/story-queries.js';
import { sortPanelsInStoryOrder, sortScenesInStoryOrder, type Positions } from '../../lib/story-order.js';
import { mongoReaderOf, type MongoReader } from './mongo-reader.js';

const SCENE_FIELDS = ['chapter_id', 'order', 'title', 'description'];
const PANEL_FIELDS = ['chapter_id', 'scene_id', 'order', 'description'];

/** As the port's `$contains`: matches arrays holding the value, never a scalar field equal to it. */
const holds = (value: string) => ({ $elemMatch: { $eq: value } });
const only = (fields: string[]): Document => ({ $project: Object.fromEntries(fields.map((field) => [field, 1])) });

/**
 * The appearance pipelines over `panels`: one with `$unionWith` (MongoDB), or its two
 * branches (FerretDB). The branches are disjoint, so no panel comes twice.
 */
export function appearancePanelPipelines(projectId: string, characterId: string, unionWith: boolean): Document[][] {
  const speaking = [{ $match: { speaker_ids: holds(characterId), project_id: projectId } }, only(PANEL_FIELDS), { $set: { speaks: true } }];
  const listedOnly = [
    { $match: { character_ids: holds(characterId), speaker_ids: { $not: holds(characterId) }, project_id: projectId } },
    only(PANEL_FIELDS),
    { $set: { speaks: false } },
  ];
  return unionWith ? [[...speaking, { $unionWith: { coll: 'panels', pipeline: listedOnly } }]] : [speaking, listedOnly];
}

const toScene = (raw: Document): SceneEntry => ({
  id: raw._id,
  chapter_id: raw.chapter_id,
  order: raw.order,
  title: raw.title ?? '',
  description: raw.description ?? '',
});
const toPanel = (raw: Document): PanelEntry => ({ id: raw._id, chapter_id: raw.chapter_id, scene_id: raw.scene_id, order: raw.order, description: raw.description ?? '' });

export function createMongoStoryQueries(store: DocumentStore): StoryQueries {
  const reader: MongoReader | undefined = mongoReaderOf(store);
  if (!reader) throw new Error('createMongoStoryQueries needs a store opened by openMongoDocumentStore');
  const { db } = reader;
  const aggregate = (collection: string, pipeline: Document[]) => db.collection(collection).aggregate(pipeline).toArray();
  const orders = (rows: Document[]) => new Map(rows.map((row) => [row._id as string, row.order as number]));

  /** The chapter orders (fetched with the matches) and the orders of the panels' scenes not among `scenes`. */
  async function positions(chapters: Promise<Document[]>, scenes: SceneEntry[], panels: PanelEntry[]): Promise<Positions> {
    const known = new Map(scenes.map((scene) => [scene.id, scene.order]));
    const missing = [...new Set(panels.map((panel) => panel.scene_id))].filter((id) => !known.has(id));
    const found = missing.length === 0 ? [] : await aggregate('scenes', [{ $match: { _id: { $in: missing } } }, only(['order'])]);
    return { chapters: orders(await chapters), scenes: new Map([...known, ...orders(found)]) };
  }

  async function inStoryOrder<P extends PanelEntry>(projectId: string, find: () => Promise<[SceneEntry[], P[]]>) {
    // Started first so it runs alongside the matches; the project_id + order index answers it.
    const chapters = aggregate('chapters', [{ $match: { project_id: projectId } }, only(['order'])]);
    chapters.catch(() => undefined);
    const [scenes, panels] = await find();
    if (scenes.length === 0 && panels.length === 0) return { scenes, panels };
    const at = await positions(chapters, scenes, panels);
    return { scenes: sortScenesInStoryOrder(scenes, at), panels: sortPanelsInStoryOrder(panels, at) };
  }

  return {
    appearances: (projectId, characterId) =>
      reader.read('panels', () =>
        inStoryOrder(projectId, async () => {
          const [scenes, ...branches] = await Promise.all([
            aggregate('scenes', [{ $match: { character_ids: holds(characterId), project_id: projectId } }, only(SCENE_FIELDS)]),
            ...appearancePanelPipelines(projectId, characterId, !reader.ferretDb).map((pipeline) => aggregate('panels', pipeline)),
          ]);
          const panels = branches.flat().map((raw): PanelAppearance => ({ ...toPanel(raw), speaks: raw.speaks === true }));
          return [scenes.map(toScene), panels];
        }),
      ),
    usage: (projectId, locationId) =>
      reader.read('panels', () =>
        inStoryOrder(projectId, async () => {
          const match = { $match: { location_id: locationId, project_id: projectId } };
          const [scenes, panels] = await Promise.all([aggregate('scenes', [match, only(SCENE_FIELDS)]), aggregate('panels', [match, only(PANEL_FIELDS)])]);
          return [scenes.map(toScene), panels.map(toPanel)];
        }),
      ),
  };
}
