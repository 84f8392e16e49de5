/**
 * Stats, appearances and usage on MongoDB end to end (aggregation pipelines, projections and
 * multikey-index queries), and the start-up backfill there. Runs with MONGODB_URL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { newId } from '../../src/lib/ids.js';
import { backfillPanelDerived } from '../../src/modules/panels/panel-backfill.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { MONGODB_URL, announceSkip } from '../helpers/services.js';
import { story } from '../helpers/story-fixtures.js';

if (!MONGODB_URL) {
  announceSkip('stats, appearances and usage on MongoDB', 'MONGODB_URL');
  describe.skip('stats, appearances and usage on MongoDB (MONGODB_URL not set)', () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const url = MONGODB_URL;
  const dbName = `inkframe_panel_derived_${randomBytes(4).toString('hex')}`;
  let t: TestApp;
  let alice: TestUser;
  beforeAll(async () => {
    t = await buildTestApp({ env: { MONGODB_URL: url, MONGODB_DB: dbName } });
    alice = await createUser(t.app);
  });
  afterAll(async () => {
    await t?.close();
    const client = new MongoClient(url);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  describe('on MongoDB', () => {
    it('answers stats, appearances and usage from the derived fields, in story order', async () => {
      const s = story(t.app, alice);
      const project = await s.project();
      const hero = await s.character(project.id, { name: 'Hero' });
      const dock = await s.location(project.id);
      const [first, second] = [await s.chapter(project.id), await s.chapter(project.id)];
      const late = await s.scene(second.id);
      const early = await s.scene(first.id);
      const speaking = await s.panel(late.id, { location_id: dock.id, dialogue: [{ type: 'speech', character_id: hero.id, text: 'Three little words' }, { type: 'caption', text: 'Later' }] });
      const shown = await s.panel(early.id, { character_ids: [hero.id] });
      await s.panel(early.id, { location_id: dock.id, dialogue: [{ type: 'sfx', text: 'BOOM' }] });

      expect(await s.read(`/api/v1/projects/${project.id}/stats`)).toMatchObject({ chapters: 2, scenes: 2, panels: 3, dialogue_bubbles: 3, dialogue_words: 5, panels_without_image: 3 });
      const appearances = await s.read(`/api/v1/characters/${hero.id}/appearances`);
      expect((appearances.panels as { id: string; speaks: boolean }[]).map((p) => [p.id, p.speaks])).toEqual([
        [shown.id, false],
        [speaking.id, true],
      ]);
      const usage = await s.read(`/api/v1/locations/${dock.id}/usage`);
      expect((usage.panels as { scene_id: string }[]).map((p) => p.scene_id)).toEqual([early.id, late.id]);
    });

    it('backfills panels stored without the derived fields', async () => {
      const s = story(t.app, alice);
      const project = await s.project();
      const hero = await s.character(project.id);
      const chapter = await s.chapter(project.id);
      const scene = await s.scene(chapter.id);
      const legacy = {
        id: newId(),
        owner_id: alice.id,
        project_id: project.id,
        chapter_id: chapter.id,
        scene_id: scene.id,
        order: 0,
        description: '',
        character_ids: [],
        image_id: null,
        dialogue: [{ id: newId(), type: 'speech', character_id: hero.id, text: 'Old but counted', order: 0 }],
      };
      await t.container.store.insert<StoredDoc & Record<string, unknown>>('panels', legacy);
      expect(await backfillPanelDerived(t.container.store)).toBe(1);
      expect(await backfillPanelDerived(t.container.store)).toBe(0);
      expect(await s.read(`/api/v1/projects/${project.id}/stats`)).toMatchObject({ panels: 1, dialogue_bubbles: 1, dialogue_words: 3 });
      const appearances = await s.read(`/api/v1/characters/${hero.id}/appearances`);
      expect(appearances.panels).toMatchObject([{ id: legacy.id, speaks: true }]);
    });
  });
}
