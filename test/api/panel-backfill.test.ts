/**
 * Panels stored before the derived dialogue fields existed get them at start-up
 * (backfillPanelDerived), so stats and appearances count them like any other.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { backfillPanelDerived } from '../../src/modules/panels/panel-backfill.js';
import { withDialogue } from '../../src/modules/panels/panel-derived.js';
import { buildTestApp, createUser, type TestApp } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';

type Panel = StoredDoc & Record<string, unknown>;

const bubble = (text: string, characterId: string | null = null) => ({ id: newId(), type: characterId ? 'speech' : 'caption', character_id: characterId, text, order: 0 });
/** A panel as it was stored before the derived fields existed. */
const legacyPanel = (dialogue: unknown, extra: Record<string, unknown> = {}) => ({
  id: newId(),
  owner_id: 'o',
  project_id: 'p',
  chapter_id: 'c',
  scene_id: 's',
  order: 0,
  description: '',
  character_ids: [],
  dialogue,
  image_id: null,
  ...extra,
});

describe('backfillPanelDerived', () => {
  const stores: DocumentStore[] = [];
  const open = () => {
    const store = openSqliteDocumentStore({ path: ':memory:' });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('fills the fields of panels that lack them, once, leaving the others alone', async () => {
    const store = open();
    const legacy = [
      legacyPanel([bubble('Who goes there', 'hero'), bubble('Night')]),
      legacyPanel([]),
      legacyPanel('garbage'),
      legacyPanel(undefined),
      legacyPanel([bubble('a b c d', 'villain'), bubble('e', 'hero'), bubble('f', 'villain')]),
    ];
    await store.insertMany<Panel>('panels', legacy);
    const modern = await store.insert<Panel>('panels', legacyPanel([bubble('one')], { bubble_count: 9, word_count: 9, speaker_ids: [] }));

    // A batch of 2 makes it loop over several batches.
    expect(await backfillPanelDerived(store, 2)).toBe(5);
    const byId = new Map((await store.find<Panel>('panels', {})).map((doc) => [doc.id, doc]));
    const derived = (id: string) => {
      const doc = byId.get(id)!;
      return [doc.bubble_count, doc.word_count, doc.speaker_ids, doc.version];
    };
    expect(legacy.map((doc) => derived(doc.id))).toEqual([
      [2, 4, ['hero'], 2],
      [0, 0, [], 2],
      [0, 0, [], 2],
      [0, 0, [], 2],
      [3, 6, ['villain', 'hero'], 2],
    ]);
    // Already carrying the fields: not touched (even though they disagree with its dialogue here).
    expect(derived(modern.id)).toEqual([9, 9, [], 1]);
    expect(byId.get(legacy[0]!.id)!.dialogue).toEqual(legacy[0]!.dialogue);

    // Idempotent: nothing left to do, nothing written.
    expect(await backfillPanelDerived(store, 2)).toBe(0);
    expect((await store.find<Panel>('panels', {})).map((doc) => doc.version).sort()).toEqual([1, 2, 2, 2, 2, 2]);
    expect(await store.count('panels', { speaker_ids: { $contains: 'hero' } })).toBe(2);
  });

  it('skips a panel written meanwhile instead of overwriting it, and still ends', async () => {
    const store = open();
    const panels = [legacyPanel([bubble('old words here')]), legacyPanel([bubble('x')])];
    await store.insertMany<Panel>('panels', panels);
    let raced = false;
    const racing: Pick<DocumentStore, 'find' | 'transaction'> = {
      async find<T extends StoredDoc>(...args: Parameters<DocumentStore['find']>) {
        const found = await store.find<T>(...args);
        if (!raced) {
          raced = true;
          // An edit lands between the backfill's read and its write; that write stores the fields itself.
          await store.update<Panel>('panels', panels[0]!.id, { ...withDialogue([bubble('new', 'hero')]) });
        }
        return found;
      },
      transaction: (fn) => store.transaction(fn),
    };
    expect(await backfillPanelDerived(racing)).toBe(1);
    const first = (await store.get<Panel>('panels', panels[0]!.id))!;
    expect([first.bubble_count, first.word_count, first.speaker_ids, first.version]).toEqual([1, 1, ['hero'], 2]);
    expect((await store.get<Panel>('panels', panels[1]!.id))!.word_count).toBe(1);
  });
});

describe('at start-up', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a restarted server counts panels stored without the fields in stats and appearances', async () => {
    // A file database, so the data outlives the first app.
    const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-backfill-'));
    t = await buildTestApp({ dataDir });
    const user = await createUser(t.app);
    const s = story(t.app, user);
    const project = await s.project();
    const hero = await s.character(project.id);
    const chapter = await s.chapter(project.id);
    const scene = await s.scene(chapter.id);
    const base = { owner_id: user.id, project_id: project.id, chapter_id: chapter.id, scene_id: scene.id };
    // Stored the way the previous release stored panels: no derived fields.
    const planted = [
      legacyPanel([bubble('Speaks only here', hero.id), bubble('Rain')], { ...base, order: 0 }),
      legacyPanel([], { ...base, order: 1, character_ids: [hero.id] }),
    ];
    await t.container.store.insertMany<Panel>('panels', planted);
    await t.close({ keepData: true });

    t = await buildTestApp({ dataDir });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password } });
    const token = login.json().data.access_token as string;
    const again = story(t.app, { ...user, token, auth: { authorization: `Bearer ${token}` } });
    expect(await again.read(`/api/v1/projects/${project.id}/stats`)).toMatchObject({ panels: 2, dialogue_bubbles: 2, dialogue_words: 4, panels_without_image: 2 });
    const appearances = await again.read(`/api/v1/characters/${hero.id}/appearances`);
    expect((appearances.panels as { id: string; speaks: boolean }[]).map((p) => [p.id, p.speaks])).toEqual([
      [planted[0]!.id, true],
      [planted[1]!.id, false],
    ]);
  });
});
