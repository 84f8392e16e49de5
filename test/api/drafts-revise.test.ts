import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemplateTextProvider } from '../../src/adapters/ai/template.js';
import { ProviderError, type TextProvider } from '../../src/ports/ai-providers.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { finished, seedStory, type Story } from './generation.fixtures.js';
import { draftsApp, getDraft, plantDraft, runJob, taskDraft, type Json } from './drafts.fixtures.js';

/** The offline text provider, which fails while `failing` is set. */
const template = createTemplateTextProvider();
let failing = false;
const switchable: TextProvider = {
  name: template.name,
  model: template.model,
  maxPromptLength: template.maxPromptLength,
  generate: (request, options) => (failing ? Promise.reject(new ProviderError('template: switched off for this test')) : template.generate(request, options)),
};

let t: TestApp;
let alice: TestUser;
let s: Story;

beforeAll(async () => {
  ({ t } = await draftsApp({ container: { textProvider: switchable } }));
  alice = await createUser(t.app);
  s = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);
const revise = (draftId: string, instructions: string) => api().post(`/api/v1/drafts/${draftId}/revise`, { instructions });

async function reviseAndWait(draftId: string, instructions: string): Promise<Json> {
  const res = await revise(draftId, instructions);
  expect(res.statusCode, res.body).toBe(202);
  return finished(t.app, alice, String(res.headers.location));
}

describe('revising a text draft', () => {
  let original: Json;
  let revised: Json;

  it('runs the task again with the original request, the instructions and the recorded feedback in its prompt', async () => {
    original = await taskDraft(t.app, alice, 'scene_summary', { type: 'scene', id: s.sceneId });
    const rated = await api().post(`/api/v1/drafts/${original.id}/feedback`, { rating: 2, comment: 'too flat', variant_id: original.variants[0].id });
    expect(rated.statusCode).toBe(201);
    await api().post(`/api/v1/drafts/${original.id}/feedback`, { rating: 4 });

    const res = await revise(original.id, 'Make it moodier');
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/tasks/${queued.id}/status`);
    expect(queued).toMatchObject({ kind: 'task', type: 'scene_summary', status: 'queued' });
    expect(queued.params).toMatchObject({
      target: { type: 'scene', id: s.sceneId },
      variants: 2,
      revision_of: original.id,
      revision: { instructions: 'Make it moodier', feedback: [{ rating: 2, comment: 'too flat' }, { rating: 4, comment: null }] },
    });
    expect((await getDraft(t.app, alice, original.id)).status).toBe('revising');

    const job = await finished(t.app, alice, String(res.headers.location));
    expect(job.status).toBe('succeeded');
    expect(job.prompt).toContain('Mara walks the pier');
    expect(job.prompt).toContain('Make it moodier');
    expect(job.prompt).toContain('2/5 "too flat"');
    expect(job.prompt).toContain('4/5');

    revised = await getDraft(t.app, alice, job.draft_id as string);
    expect(revised).toMatchObject({ status: 'pending', revision_of: original.id, target: original.target, kind: 'text' });
    expect(await getDraft(t.app, alice, original.id)).toMatchObject({ status: 'revising', revision_job_id: job.id, revised_by: revised.id });
  });

  it('keeps the old draft as history: it can no longer be selected, rejected or revised', async () => {
    expect((await api().post(`/api/v1/drafts/${original.id}/select`, { variant_id: original.variants[0].id })).statusCode).toBe(409);
    expect((await api().post(`/api/v1/drafts/${original.id}/reject`, {})).statusCode).toBe(409);
    const again = await revise(original.id, 'Once more');
    expect(again.statusCode).toBe(409);
    expect(again.json().details).toEqual({ status: 'revising' });
    const pending = (await api().get(`/api/v1/drafts/pending?project_id=${s.projectId}&limit=100`)).json().data.items as Json[];
    expect(pending.map((draft) => draft.id)).toContain(revised.id);
    expect(pending.map((draft) => draft.id)).not.toContain(original.id);
  });

  it('a revision of a revision carries every instruction and all the feedback so far', async () => {
    await api().post(`/api/v1/drafts/${revised.id}/feedback`, { rating: 3, comment: 'better, too long' });
    const job = await reviseAndWait(revised.id, 'Shorter please');
    expect(job.prompt).toContain('Make it moodier');
    expect(job.prompt).toContain('Shorter please');
    expect(job.prompt).toContain('2/5 "too flat"');
    expect(job.prompt).toContain('3/5 "better, too long"');
    expect((await getDraft(t.app, alice, job.draft_id as string)).revision_of).toBe(revised.id);
  });
});

describe('revising an image draft', () => {
  it('one panel of a panel sequence is drawn again as a panel image with the revision in its prompt', async () => {
    const sequence = await runJob(t.app, alice, '/api/v1/generate/panel-sequence', { scene_id: s.sceneId, n: 2 });
    const draftIds = (sequence.result as Json).draft_ids as string[];
    const draft = await getDraft(t.app, alice, draftIds[1]!);
    const res = await revise(draft.id, 'Darker sky, no lamp');
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toMatch(/^\/api\/v1\/generate\/status\/[0-9a-f]{24}$/);
    expect(res.json().data).toMatchObject({ kind: 'generation', type: 'panel_image', params: { panel_id: s.panelIds[1], n: 2, revision_of: draft.id } });
    const job = await finished(t.app, alice, String(res.headers.location));
    expect(job.status).toBe('succeeded');
    expect(job.prompt).toContain('Darker sky, no lamp');
    const fresh = await getDraft(t.app, alice, job.draft_id as string);
    expect(fresh).toMatchObject({ kind: 'image', target: { type: 'panel', id: s.panelIds[1] }, revision_of: draft.id, status: 'pending' });
    expect(fresh.variants).toHaveLength(2);
  });
});

describe('when a revise run fails', () => {
  it('the draft goes back to pending and can be revised again', async () => {
    const draft = await taskDraft(t.app, alice, 'chapter_outline', { type: 'chapter', id: s.chapterId });
    failing = true;
    try {
      const job = await reviseAndWait(draft.id, 'More twists');
      expect(job.status).toBe('failed');
    } finally {
      failing = false;
    }
    const pending = (await api().get('/api/v1/drafts/pending?limit=100')).json().data.items as Json[];
    expect(pending.find((item) => item.id === draft.id)).toMatchObject({ status: 'pending', revised_by: null });
    const job = await reviseAndWait(draft.id, 'More twists');
    expect(job.status).toBe('succeeded');
    expect(await getDraft(t.app, alice, draft.id)).toMatchObject({ status: 'revising', revised_by: job.draft_id });
  });
});

describe('revise errors', () => {
  it('409 for a draft whose producing job is unknown; 422 for missing, empty or extra fields', async () => {
    const planted = await plantDraft(t.container.store, { owner_id: alice.id, project_id: s.projectId, target: { type: 'scene', id: s.sceneId }, variants: [{ content: 'x' }] });
    const res = await revise(planted.id, 'Again');
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/no longer known/);
    expect((await getDraft(t.app, alice, planted.id)).status).toBe('pending');
    expect((await api().post(`/api/v1/drafts/${planted.id}/revise`, {})).statusCode).toBe(422);
    expect((await revise(planted.id, '')).statusCode).toBe(422);
    expect((await api().post(`/api/v1/drafts/${planted.id}/revise`, { instructions: 'x', seed: 3 })).statusCode).toBe(422);
  });
});
