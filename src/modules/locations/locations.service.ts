import { assertImageFields } from '../shared/image-refs.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { StoryQueries } from '../../ports/story-queries.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import type { PanelDoc, SceneDoc } from '../shared/story-order.js';
import type { Location, LocationCreate, LocationUpdate, LocationUsage } from './locations.schemas.js';

const LOCATIONS = 'locations';

export interface LocationsDeps {
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'findPage' | 'update' | 'delete' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  stories: Pick<StoryQueries, 'usage'>;
}

export function createLocationsService({ store, events, stories }: LocationsDeps) {
  const load = (userId: string, locationId: string) => loadOwned<Location>(store, LOCATIONS, locationId, userId, 'Location');
  const loadProject = (userId: string, projectId: string) => loadOwned<Owned>(store, 'projects', projectId, userId, 'Project');
  const parent = (location: Location) => ({ type: 'project', id: location.project_id });
  // location_id is indexed on both collections; project_id keeps the match inside the project.
  // Ids only: the delete's updates return the whole documents its events need.
  const usedBy = (reader: Pick<DocumentStore, 'find'>, location: Location) =>
    Promise.all([
      reader.find<SceneDoc>('scenes', { location_id: location.id, project_id: location.project_id }, { fields: [] }),
      reader.find<PanelDoc>('panels', { location_id: location.id, project_id: location.project_id }, { fields: [] }),
    ]);

  return {
    load,
    get: load,

    async create(userId: string, projectId: string, input: LocationCreate): Promise<Location> {
      await loadProject(userId, projectId);
      const location = await store.insert<Location>(LOCATIONS, {
        id: newId(),
        owner_id: userId,
        project_id: projectId,
        name: input.name,
        description: input.description ?? '',
        tags: input.tags ?? [],
        reference_image_ids: [],
      });
      await publishContentChange(events, location, { resource: 'location', id: location.id, action: 'created', version: location.version, parent: parent(location) });
      return location;
    },

    async list(userId: string, projectId: string, page: PageRequest): Promise<PageResult<Location>> {
      await loadProject(userId, projectId);
      const { items, total } = await store.findPage<Location>(LOCATIONS, { project_id: projectId }, { ...page, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    async update(userId: string, locationId: string, input: LocationUpdate): Promise<Location> {
      const current = await load(userId, locationId);
      const { version, ...fields } = input;
      await assertImageFields(store, current, fields);
      const updated = await store.update<Location>(LOCATIONS, locationId, fields, version === undefined ? {} : { expectedVersion: version });
      if (!updated) return load(userId, locationId);
      await publishContentChange(events, updated, { resource: 'location', id: updated.id, action: 'updated', version: updated.version, parent: parent(updated) });
      return updated;
    },

    /** Deletes the location and clears `location_id` on the scenes and panels set there, in one transaction. */
    async remove(userId: string, locationId: string): Promise<void> {
      const location = await load(userId, locationId);
      const detached = await store.transaction(async (tx) => {
        const [scenes, panels] = await usedBy(tx, location);
        const changedScenes: SceneDoc[] = [];
        for (const scene of scenes) changedScenes.push((await tx.update<SceneDoc>('scenes', scene.id, { location_id: null }))!);
        const changedPanels: PanelDoc[] = [];
        for (const panel of panels) changedPanels.push((await tx.update<PanelDoc>('panels', panel.id, { location_id: null }))!);
        await tx.deleteMany('drafts', { target_id: locationId });
        await tx.delete(LOCATIONS, locationId);
        return { scenes: changedScenes, panels: changedPanels };
      });
      await publishContentChange(events, location, { resource: 'location', id: locationId, action: 'deleted', version: null, parent: parent(location) });
      for (const scene of detached.scenes) {
        await publishContentChange(events, scene, { resource: 'scene', id: scene.id, action: 'updated', version: scene.version, parent: { type: 'chapter', id: scene.chapter_id } });
      }
      for (const panel of detached.panels) {
        await publishContentChange(events, panel, { resource: 'panel', id: panel.id, action: 'updated', version: panel.version, parent: { type: 'scene', id: panel.scene_id } });
      }
    },

    /** Scenes and panels set at the location, in story order. */
    async usage(userId: string, locationId: string): Promise<LocationUsage> {
      const location = await load(userId, locationId);
      return { location_id: locationId, ...(await stories.usage(location.project_id, locationId)) };
    },
  };
}

export type LocationsService = ReturnType<typeof createLocationsService>;
