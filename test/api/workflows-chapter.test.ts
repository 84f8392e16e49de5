import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextProvider, TextRequest } from '../../src/ports/ai-providers.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';
import { finished } from './generation.fixtures.js';
import { draftOf, expectDense, panelsOf, runToEnd, seedWorkflowStory, type WorkflowStory } from './workflows.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let s: WorkflowStory;

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute', RATE_LIMIT_DEFAULT: '100000/hour' } });
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedWorkflowStory(t.app, alice);
});
afterAll(async () => t.close());

const api = (user = alice) => as(t.app, user);
type SceneProposal = { title: string; description: string; location_id: string | null; character_ids: string[]; panels: { description: string }[] };
const scenesOf = (variant: { content?: unknown }) => (variant.content as { scenes: SceneProposal[] }).scenes;

async function chapterWith(summary: string) {
  const chapter = await story(t.app, alice).chapter(s.projectId, { title: 'Storm', summary });
  const res = await api().post(`/api/v1/projects/${s.projectId}/instructions`, { content: 'End every chapter on a cliffhanger', scope: { type: 'chapter', id: chapter.id } });
  expect(res.statusCode).toBe(201);
  return chapter;
}

describe('POST /workflow/generate-chapter', () => {
  it('proposes scenes with panels from the outline, and selecting a variant creates them in order', async () => {
    const chapter = await chapterWith('Mara sails out at dusk and the storm catches her.');
    const outline = '1. Mara sails out from Pier 9 at dusk.\n2. The storm breaks and Mara loses the mast.\n3. Tom rows out and finds Mara.';
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/generate-chapter', { chapter_id: chapter.id, outline, seed: 0 }));
    expect(job.type).toBe('generate_chapter');
    for (const text of ['The storm breaks', 'Mara sails out at dusk and the storm catches her', 'End every chapter on a cliffhanger', 'Always show the rain', 'Tom [']) expect(job.prompt).toContain(text);

    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft).toMatchObject({ kind: 'text', status: 'pending', target: { type: 'chapter', id: chapter.id } });
    // Seed 0: the offline model's first variant makes one scene per outline line.
    const proposed = scenesOf(draft.variants[0]!);
    expect(proposed).toHaveLength(3);
    for (const scene of proposed) {
      expect(scene.title.length).toBeGreaterThan(0);
      expect(scene.panels.length).toBeGreaterThan(0);
    }
    expect(proposed[0]!.location_id).toBe(s.locationId);
    expect(proposed[2]!.character_ids).toEqual(expect.arrayContaining([s.tomId, s.characterId]));

    const select = await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0]!.id });
    expect(select.statusCode, select.body).toBe(200);
    const scenes = (await api().get(`/api/v1/chapters/${chapter.id}/scenes`)).json().data.items as { id: string; order: number; title: string; description: string }[];
    expectDense(scenes);
    expect(scenes.map((scene) => scene.description)).toEqual(proposed.map((scene) => scene.description));
    for (const [index, scene] of scenes.entries()) {
      const panels = await panelsOf(t.app, alice, scene.id);
      expectDense(panels);
      expect(panels.map((p) => p.description)).toEqual(proposed[index]!.panels.map((p) => p.description));
    }
  });

  it('works from the chapter summary alone, honouring max_scenes', async () => {
    const chapter = await chapterWith('Mara wakes. Tom brings coffee. They walk to Pier 9. The boat is gone.');
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/generate-chapter', { chapter_id: chapter.id, max_scenes: 2, variants: 1 }));
    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft.variants).toHaveLength(1);
    expect(scenesOf(draft.variants[0]!).length).toBeLessThanOrEqual(2);
    expect(scenesOf(draft.variants[0]!).map((scene) => scene.description).join(' ')).toContain('Tom brings coffee');
  });

  it('answers 422 for bad input and 404 for a chapter that is not yours', async () => {
    for (const body of [{}, { chapter_id: s.chapterId, outline: '' }, { chapter_id: s.chapterId, max_scenes: 0 }, { chapter_id: s.chapterId, max_scenes: 31 }, { chapter_id: s.chapterId, tone: 'dark' }]) {
      expect((await api().post('/api/v1/workflow/generate-chapter', body)).statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await api(bob).post('/api/v1/workflow/generate-chapter', { chapter_id: s.chapterId })).statusCode).toBe(404);
  });
});

/** A model that answers with ids it made up, a shot type that does not exist and a speaker on a sound effect. */
function sloppyModel(): TextProvider & { requests: TextRequest[] } {
  const requests: TextRequest[] = [];
  return {
    name: 'sloppy-llm',
    model: 'sloppy-1',
    maxPromptLength: 20_000,
    requests,
    async generate(request) {
      requests.push(request);
      const ctx = request.context as { characters: { id: string }[]; locations: { id: string }[] };
      const real = ctx.characters[0]!.id;
      const panel = {
        description: 'A gull lands.',
        shot_type: 'dutch_tilt',
        character_ids: [real, '65f0c0ffee0000000000dead'],
        location_id: '65f0c0ffee0000000000beef',
        dialogue: [
          { type: 'sfx', character_id: real, text: 'SKREE' },
          { type: 'speech', character_id: '65f0c0ffee0000000000dead', text: 'Who is there?' },
          { type: 'speech', character_id: real, text: '   ' },
        ],
      };
      if (request.task === 'breakdown') return [{ content: { panels: [panel, { description: '', dialogue: [] }] }, metadata: {} }];
      if (request.task === 'generate_chapter') return [{ content: { scenes: [{ title: '', description: 'Gulls.', location_id: ctx.locations[0]!.id, character_ids: ['65f0c0ffee0000000000dead'], panels: [panel] }, {}] }, metadata: {} }];
      return [{ content: 'a prompt', metadata: {} }];
    },
  };
}

describe('model output is cleaned before it becomes a draft', () => {
  it('drops made-up ids, fixes shot types and speakers, and skips empty proposals', async () => {
    const model = sloppyModel();
    const app = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute' }, container: { textProvider: model } });
    try {
      const user = await createUser(app.app);
      const w = await seedWorkflowStory(app.app, user);
      const job = await runToEnd(app.app, user, await as(app.app, user).post(`/api/v1/scenes/${w.emptySceneId}/breakdown`, { variants: 1 }));
      const draft = await draftOf(app.app, user, job.draft_id!);
      expect((draft.variants[0]!.content as { panels: unknown[] }).panels).toEqual([
        {
          description: 'A gull lands.',
          shot_type: 'medium',
          character_ids: [w.characterId],
          location_id: null,
          dialogue: [
            { type: 'sfx', character_id: null, text: 'SKREE' },
            { type: 'caption', character_id: null, text: 'Who is there?' },
          ],
        },
      ]);
      const chapterJob = await runToEnd(app.app, user, await as(app.app, user).post('/api/v1/workflow/generate-chapter', { chapter_id: w.chapterId, variants: 1 }));
      const scenes = scenesOf((await draftOf(app.app, user, chapterJob.draft_id!)).variants[0]!);
      expect(scenes).toHaveLength(1);
      expect(scenes[0]).toMatchObject({ title: 'Untitled', description: 'Gulls.', location_id: w.locationId, character_ids: [] });
      expect(model.requests.find((r) => r.task === 'generate_chapter')?.schema).toBeDefined();
    } finally {
      await app.close();
    }
  });

  it('fails the job with a clear error when the model proposes nothing usable', async () => {
    const empty: TextProvider = { name: 'empty-llm', model: 'e-1', maxPromptLength: 20_000, generate: async () => [{ content: { panels: [] }, metadata: {} }] };
    const app = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute' }, container: { textProvider: empty } });
    try {
      const user = await createUser(app.app);
      const w = await seedWorkflowStory(app.app, user);
      const res = await as(app.app, user).post(`/api/v1/scenes/${w.emptySceneId}/breakdown`, {});
      expect(res.statusCode).toBe(202);
      const job = await finished(app.app, user, String(res.headers.location));
      expect(job).toMatchObject({ status: 'failed', error: expect.stringContaining('proposed no panels'), draft_id: null });
      expect(await app.container.store.count('drafts', { project_id: w.projectId })).toBe(0);
    } finally {
      await app.close();
    }
  });
});
