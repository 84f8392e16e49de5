import { assertImageFields } from '../shared/image-refs.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { StoryQueries } from '../../ports/story-queries.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { detachCharacter } from './characters.references.js';
import type { Appearances, Character, CharacterCreate, CharacterUpdate } from './characters.schemas.js';

const CHARACTERS = 'characters';

export interface CharactersDeps {
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'findPage' | 'update' | 'delete' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  stories: Pick<StoryQueries, 'appearances'>;
}

export function createCharactersService({ store, events, stories }: CharactersDeps) {
  const load = (userId: string, characterId: string) => loadOwned<Character>(store, CHARACTERS, characterId, userId, 'Character');
  const loadProject = (userId: string, projectId: string) => loadOwned<Owned>(store, 'projects', projectId, userId, 'Project');
  const parent = (character: Character) => ({ type: 'project', id: character.project_id });

  return {
    load,
    get: load,

    async create(userId: string, projectId: string, input: CharacterCreate): Promise<Character> {
      await loadProject(userId, projectId);
      const character = await store.insert<Character>(CHARACTERS, {
        id: newId(),
        owner_id: userId,
        project_id: projectId,
        name: input.name,
        role: input.role ?? '',
        description: input.description ?? '',
        appearance: input.appearance ?? '',
        personality: input.personality ?? '',
        backstory: input.backstory ?? '',
        traits: input.traits ?? [],
        design_image_ids: [],
        sheet_image_id: null,
        reference_image_ids: [],
      });
      await publishContentChange(events, character, { resource: 'character', id: character.id, action: 'created', version: character.version, parent: parent(character) });
      return character;
    },

    async list(userId: string, projectId: string, page: PageRequest): Promise<PageResult<Character>> {
      await loadProject(userId, projectId);
      const { items, total } = await store.findPage<Character>(CHARACTERS, { project_id: projectId }, { ...page, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    async update(userId: string, characterId: string, input: CharacterUpdate): Promise<Character> {
      const current = await load(userId, characterId);
      const { version, ...fields } = input;
      await assertImageFields(store, current, fields);
      const updated = await store.update<Character>(CHARACTERS, characterId, fields, version === undefined ? {} : { expectedVersion: version });
      if (!updated) return load(userId, characterId);
      await publishContentChange(events, updated, { resource: 'character', id: updated.id, action: 'updated', version: updated.version, parent: parent(updated) });
      return updated;
    },

    /** Deletes the character and detaches it from every scene, panel and bubble, in one transaction. */
    async remove(userId: string, characterId: string): Promise<void> {
      const character = await load(userId, characterId);
      const detached = await store.transaction(async (tx) => {
        const changed = await detachCharacter(tx, character.project_id, characterId);
        await tx.deleteMany('drafts', { target_id: characterId });
        await tx.delete(CHARACTERS, characterId);
        return changed;
      });
      await publishContentChange(events, character, { resource: 'character', id: characterId, action: 'deleted', version: null, parent: parent(character) });
      for (const scene of detached.scenes) {
        await publishContentChange(events, scene, { resource: 'scene', id: scene.id, action: 'updated', version: scene.version, parent: { type: 'chapter', id: scene.chapter_id } });
      }
      for (const panel of detached.panels) {
        await publishContentChange(events, panel, { resource: 'panel', id: panel.id, action: 'updated', version: panel.version, parent: { type: 'scene', id: panel.scene_id } });
      }
    },

    /** Scenes and panels that include the character (listed or speaking), in story order. */
    async appearances(userId: string, characterId: string): Promise<Appearances> {
      const character = await load(userId, characterId);
      return { character_id: characterId, ...(await stories.appearances(character.project_id, characterId)) };
    },
  };
}

export type CharactersService = ReturnType<typeof createCharactersService>;
