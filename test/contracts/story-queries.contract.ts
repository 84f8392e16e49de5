/**
 * StoryQueries contract (ports/story-queries.ts), run against every adapter over a store of
 * the same kind: which scenes and panels a character appears in (and whether it speaks
 * there) or a location is used by, in story order, within one project, with only the
 * listed fields.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import type { StoryQueries } from '../../src/ports/story-queries.js';

export interface StoryQueriesSubject {
  store: DocumentStore;
  queries: StoryQueries;
}

type Doc = Omit<StoredDoc, 'created_at' | 'updated_at' | 'version'> & Record<string, unknown>;

/** A project's chapters, scenes and panels, stored with every field the real documents carry. */
function project(ownerId = newId()) {
  const id = newId();
  const docs = { chapters: [] as Doc[], scenes: [] as Doc[], panels: [] as Doc[] };
  const base = () => ({ id: newId(), owner_id: ownerId, project_id: id });
  return {
    id,
    docs,
    chapter(order: number) {
      const doc = { ...base(), order, title: `Chapter ${order}`, summary: 'secret summary' };
      docs.chapters.push(doc);
      return doc;
    },
    scene(chapter: Doc, order: number, fields: Record<string, unknown> = {}) {
      const doc = { ...base(), chapter_id: chapter.id, order, title: `Scene ${order}`, description: 'where', location_id: null, character_ids: [], ...fields };
      docs.scenes.push(doc);
      return doc;
    },
    panel(scene: Doc, order: number, fields: { character_ids?: string[]; speakers?: string[]; location_id?: string | null; description?: string } = {}) {
      const dialogue = (fields.speakers ?? []).map((speaker, i) => ({ id: newId(), type: 'speech', character_id: speaker, text: 'spoken words', order: i }));
      const doc = {
        ...base(),
        chapter_id: scene.chapter_id,
        scene_id: scene.id,
        order,
        description: fields.description ?? `panel ${order}`,
        prompt: 'secret prompt',
        location_id: fields.location_id ?? null,
        character_ids: fields.character_ids ?? [],
        dialogue,
        speaker_ids: [...new Set(fields.speakers ?? [])],
        bubble_count: dialogue.length,
        word_count: dialogue.length * 2,
        image_id: null,
      };
      docs.panels.push(doc);
      return doc;
    },
    async save(store: DocumentStore) {
      for (const [collection, list] of Object.entries(docs)) if (list.length > 0) await store.insertMany(collection, list);
    },
  };
}

const sceneEntry = (scene: Doc) => ({ id: scene.id, chapter_id: scene.chapter_id, order: scene.order, title: scene.title ?? '', description: scene.description ?? '' });
const panelEntry = (panel: Doc) => ({ id: panel.id, chapter_id: panel.chapter_id, scene_id: panel.scene_id, order: panel.order, description: panel.description });

export function storyQueriesContract(name: string, open: () => Promise<StoryQueriesSubject>): void {
  describe(`StoryQueries contract: ${name}`, () => {
    let s: StoryQueriesSubject;
    beforeAll(async () => {
      s = await open();
    });

    describe('appearances', () => {
      const hero = newId();
      const villain = newId();
      const p = project();
      // Stored out of story order: the later chapter and scene come first.
      const later = p.chapter(1);
      const first = p.chapter(0);
      const finale = p.scene(later, 0, { character_ids: [hero] });
      const middle = p.scene(first, 1, { character_ids: [villain] });
      const opening = p.scene(first, 0, { character_ids: [villain, hero], title: undefined, description: undefined });
      const listedAndSpeaking = p.panel(middle, 1, { character_ids: [hero], speakers: [hero, villain] });
      const speakingOnly = p.panel(middle, 0, { speakers: [villain, hero] });
      const listedOnly = p.panel(finale, 0, { character_ids: [villain, hero], speakers: [villain] });
      const inOpening = p.panel(opening, 2, { character_ids: [hero] });
      p.panel(opening, 0, { character_ids: [villain], speakers: [villain] });
      p.panel(finale, 1, { description: 'nobody here' });
      // Another project whose documents name the same character id.
      const other = project();
      const otherScene = other.scene(other.chapter(0), 0, { character_ids: [hero] });
      other.panel(otherScene, 0, { character_ids: [hero], speakers: [hero] });

      beforeAll(async () => {
        await p.save(s.store);
        await other.save(s.store);
      });

      it('lists the scenes naming the character and the panels showing it or where it speaks, in story order', async () => {
        const found = await s.queries.appearances(p.id, hero);
        expect(found.scenes.map((scene) => scene.id)).toEqual([opening.id, finale.id]);
        expect(found.panels.map((panel) => [panel.id, panel.speaks])).toEqual([
          [inOpening.id, false],
          [speakingOnly.id, true],
          [listedAndSpeaking.id, true],
          [listedOnly.id, false],
        ]);
      });

      it('returns only the listed fields, with empty strings for a missing title or description', async () => {
        const found = await s.queries.appearances(p.id, hero);
        expect(found.scenes).toEqual([sceneEntry(opening), sceneEntry(finale)]);
        expect(found.scenes[0]).toMatchObject({ title: '', description: '' });
        expect(found.panels[1]).toEqual({ ...panelEntry(speakingOnly), speaks: true });
        expect(found.panels[3]).toEqual({ ...panelEntry(listedOnly), speaks: false });
        expect(JSON.stringify(found)).not.toMatch(/secret|spoken words|project_id|character_ids|speaker_ids|dialogue/);
      });

      it('answers per character and keeps to the project', async () => {
        const villainFound = await s.queries.appearances(p.id, villain);
        expect(villainFound.scenes.map((scene) => scene.id)).toEqual([opening.id, middle.id]);
        expect(villainFound.panels.map((panel) => panel.speaks)).toEqual([true, true, true, true]);
        const elsewhere = await s.queries.appearances(other.id, hero);
        expect(elsewhere.scenes.map((scene) => scene.id)).toEqual([otherScene.id]);
        expect(elsewhere.panels).toHaveLength(1);
        expect(await s.queries.appearances(newId(), hero)).toEqual({ scenes: [], panels: [] });
      });

      it('is empty for a character nothing names', async () => {
        expect(await s.queries.appearances(p.id, newId())).toEqual({ scenes: [], panels: [] });
      });
    });

    describe('usage', () => {
      const harbour = newId();
      const p = project();
      const later = p.chapter(1);
      const first = p.chapter(0);
      const docks = p.scene(later, 0, { location_id: harbour });
      const street = p.scene(first, 1);
      const pier = p.scene(first, 0, { location_id: harbour, description: undefined });
      // Panels at the location inside scenes set elsewhere: their scenes' orders still count.
      const inStreetLate = p.panel(street, 3, { location_id: harbour });
      const inStreetEarly = p.panel(street, 1, { location_id: harbour });
      const inDocks = p.panel(docks, 0, { location_id: harbour, character_ids: [newId()], speakers: [newId()] });
      const inPier = p.panel(pier, 0, { location_id: harbour });
      p.panel(pier, 1, { location_id: newId() });
      p.panel(pier, 2);
      const other = project();
      const otherScene = other.scene(other.chapter(0), 0, { location_id: harbour });
      other.panel(otherScene, 0, { location_id: harbour });

      beforeAll(async () => {
        await p.save(s.store);
        await other.save(s.store);
      });

      it('lists the scenes and panels set at the location, in story order, with only the listed fields', async () => {
        const used = await s.queries.usage(p.id, harbour);
        expect(used.scenes).toEqual([sceneEntry(pier), sceneEntry(docks)]);
        expect(used.scenes[0]!.description).toBe('');
        expect(used.panels).toEqual([panelEntry(inPier), panelEntry(inStreetEarly), panelEntry(inStreetLate), panelEntry(inDocks)]);
        expect(JSON.stringify(used)).not.toMatch(/secret|spoken words|location_id|speaks/);
      });

      it('keeps to the project and is empty for an unused location', async () => {
        const elsewhere = await s.queries.usage(other.id, harbour);
        expect(elsewhere.scenes.map((scene) => scene.id)).toEqual([otherScene.id]);
        expect(elsewhere.panels).toHaveLength(1);
        expect(await s.queries.usage(p.id, newId())).toEqual({ scenes: [], panels: [] });
      });
    });

    it('waits for a transaction like the store does, and never sees what it undid', async () => {
      const hero = newId();
      const p = project();
      const scene = p.scene(p.chapter(0), 0);
      await p.save(s.store);
      const undone = p.panel(scene, 0, { character_ids: [hero] });
      let inserted!: () => void;
      let release!: () => void;
      const insertedInTx = new Promise<void>((resolve) => (inserted = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      const tx = s.store.transaction(async (t) => {
        await t.insert('panels', undone);
        inserted();
        await gate;
        throw new Error('undo this');
      });
      await insertedInTx;
      const answer = s.queries.appearances(p.id, hero);
      release();
      await expect(tx).rejects.toThrow('undo this');
      expect(await answer).toEqual({ scenes: [], panels: [] });
    });
  });
}
