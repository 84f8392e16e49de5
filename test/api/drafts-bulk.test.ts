import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedStory, type Story } from './generation.fixtures.js';
import { draftsApp, getDraft, plantDraft, taskDraft, type Json } from './drafts.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let s: Story;
let bobStory: Story;

beforeAll(async () => {
  ({ t } = await draftsApp());
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedStory(t.app, alice);
  bobStory = await seedStory(t.app, bob);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);
const bulk = (body: unknown) => api().post('/api/v1/drafts/bulk-action', body);
const read = async (url: string) => (await api().get(url)).json().data;
const summary = (text: string, status = 'pending') =>
  plantDraft(t.container.store, { owner_id: alice.id, project_id: s.projectId, target: { type: 'scene', id: s.sceneId }, variants: [{ content: text }], status });

describe('bulk select', () => {
  it('applies each draft on its own; failures are reported per draft and do not stop the others', async () => {
    const outline = await taskDraft(t.app, alice, 'chapter_outline', { type: 'chapter', id: s.chapterId });
    const description = await taskDraft(t.app, alice, 'panel_description', { type: 'panel', id: s.panelIds[0]! });
    const rejected = await summary('never', 'rejected');
    const bobs = await plantDraft(t.container.store, { owner_id: bob.id, project_id: bobStory.projectId, target: { type: 'scene', id: bobStory.sceneId }, variants: [{ content: 'bob' }] });
    const badVariant = await summary('kept pending');
    const missing = newId();

    const res = await bulk({
      action: 'select',
      draft_ids: [outline.id, rejected.id, bobs.id, description.id, badVariant.id, missing],
      variant_ids: { [outline.id]: outline.variants[1].id, [badVariant.id]: newId() },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.results).toEqual([
      { draft_id: outline.id, ok: true },
      { draft_id: rejected.id, ok: false, code: 'conflict', error: expect.stringMatching(/rejected/) },
      { draft_id: bobs.id, ok: false, code: 'not_found', error: 'Draft not found' },
      { draft_id: description.id, ok: true },
      { draft_id: badVariant.id, ok: false, code: 'validation_failed', error: expect.stringMatching(/variant_id/) },
      { draft_id: missing, ok: false, code: 'not_found', error: 'Draft not found' },
    ]);
    // The named variant for one draft, the first variant for the one without an entry.
    expect((await read(`/api/v1/chapters/${s.chapterId}`)).summary).toBe(outline.variants[1].content);
    expect((await read(`/api/v1/panels/${s.panelIds[0]}`)).description).toBe(description.variants[0].content);
    expect(await getDraft(t.app, alice, description.id)).toMatchObject({ status: 'selected', selected_variant_id: description.variants[0].id });
    expect((await getDraft(t.app, alice, badVariant.id)).status).toBe('pending');
    expect((await as(t.app, bob).get(`/api/v1/drafts/${bobs.id}`)).json().data.status).toBe('pending');
  });
});

describe('bulk reject', () => {
  it('rejects each pending draft with the reason and reports the rest', async () => {
    const a = await summary('a');
    const b = await summary('b');
    const done = await summary('c', 'selected');
    const res = await bulk({ action: 'reject', draft_ids: [a.id, done.id, b.id], reason: 'Not this week' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.results.map((result: Json) => [result.draft_id, result.ok, result.code])).toEqual([
      [a.id, true, undefined],
      [done.id, false, 'conflict'],
      [b.id, true, undefined],
    ]);
    for (const draft of [a, b]) expect(await getDraft(t.app, alice, draft.id)).toMatchObject({ status: 'rejected', rejection_reason: 'Not this week' });
  });
});

describe('bulk body validation (422, nothing happens)', () => {
  it('rejects bad shapes before touching any draft', async () => {
    const draft = await summary('untouched');
    const ids = (n: number) => Array.from({ length: n }, () => newId());
    const bodies: unknown[] = [
      { action: 'select', draft_ids: [] },
      { action: 'select', draft_ids: ids(101) },
      { action: 'publish', draft_ids: [draft.id] },
      { action: 'select', draft_ids: [draft.id, draft.id] },
      { action: 'select', draft_ids: ['nope'] },
      { action: 'select', draft_ids: [draft.id], extra: true },
      { action: 'select', draft_ids: [draft.id], variant_ids: { [newId()]: newId() } },
      { action: 'select', draft_ids: [draft.id], variant_ids: { [draft.id]: 'bad' } },
      { action: 'reject', draft_ids: [draft.id], variant_ids: { [draft.id]: newId() } },
      { action: 'select', draft_ids: [draft.id], reason: 'why' },
    ];
    for (const body of bodies) {
      const res = await bulk(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 200)).toBe(422);
    }
    expect((await getDraft(t.app, alice, draft.id)).status).toBe('pending');
    expect((await bulk({ action: 'select', draft_ids: ids(100) })).statusCode).toBe(200);
  });
});
