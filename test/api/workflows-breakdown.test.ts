import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
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
type Proposal = { description: string; shot_type: string; character_ids: string[]; location_id: string | null; dialogue: { type: string; character_id: string | null; text: string }[]; visual_prompt?: string };
const proposals = (variant: { content?: unknown }) => (variant.content as { panels: Proposal[] }).panels;

describe('POST /scenes/{scene_id}/breakdown', () => {
  it('proposes panels from the scene description, characters and location as a pending text draft', async () => {
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/scenes/${s.emptySceneId}/breakdown`, { seed: 0 }));
    expect(job).toMatchObject({ type: 'breakdown', provider: 'template', progress: 1 });
    // The prompt carries the scene, its cast and the applicable instructions (project and scene scope).
    expect(job.prompt).toContain('Tom waits under the lamp');
    expect(job.prompt).toContain('Always show the rain');
    expect(job.prompt).toContain('Keep every panel wordless except for quotes');

    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft).toMatchObject({ kind: 'text', status: 'pending', target: { type: 'scene', id: s.emptySceneId }, project_id: s.projectId });
    expect(draft.variants).toHaveLength(2);
    for (const variant of draft.variants) {
      const panels = proposals(variant);
      expect(panels.length).toBeGreaterThan(0);
      expect(panels.length).toBeLessThanOrEqual(8);
      for (const panel of panels) {
        expect(Object.keys(panel).sort()).toEqual(['character_ids', 'description', 'dialogue', 'location_id', 'shot_type']);
        expect(['establishing', 'wide', 'medium', 'close_up', 'extreme_close_up', 'over_the_shoulder', 'pov', 'insert']).toContain(panel.shot_type);
        for (const id of panel.character_ids) expect([s.characterId, s.tomId]).toContain(id);
        expect(panel.location_id).toBe(s.locationId);
      }
    }
    // Tom's quoted line becomes his speech bubble somewhere in the proposal.
    const bubbles = proposals(draft.variants[0]!).flatMap((p) => p.dialogue);
    expect(bubbles).toContainEqual({ type: 'speech', character_id: s.tomId, text: 'You came back,' });
    // Nothing was created yet: the writer decides.
    expect(await panelsOf(t.app, alice, s.emptySceneId)).toHaveLength(0);
  });

  it('respects max_panels and variants', async () => {
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/scenes/${s.emptySceneId}/breakdown`, { max_panels: 2, variants: 3, seed: 7 }));
    expect(job.params).toMatchObject({ max_panels: 2, variants: 3, seed: 7 });
    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft.variants).toHaveLength(3);
    for (const variant of draft.variants) expect(proposals(variant).length).toBeLessThanOrEqual(2);
  });

  it('selecting a variant through the drafts API appends its panels with dense orders', async () => {
    const before = await panelsOf(t.app, alice, s.sceneId);
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/scenes/${s.sceneId}/breakdown`, { max_panels: 3 }));
    const draft = await draftOf(t.app, alice, job.draft_id!);
    const chosen = draft.variants[1]!;
    const select = await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: chosen.id });
    expect(select.statusCode, select.body).toBe(200);
    expect(select.json().data).toMatchObject({ status: 'selected', selected_variant_id: chosen.id });

    const after = await panelsOf(t.app, alice, s.sceneId);
    expectDense(after);
    expect(after.slice(0, before.length).map((p) => p.id)).toEqual(before.map((p) => p.id));
    const added = after.slice(before.length);
    expect(added.map((p) => p.description)).toEqual(proposals(chosen).map((p) => p.description));
    expect(added.map((p) => p.shot_type)).toEqual(proposals(chosen).map((p) => p.shot_type));
  });

  it('a revise of a breakdown draft runs the breakdown again with the instructions in its prompt', async () => {
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/scenes/${s.emptySceneId}/breakdown`, { variants: 1 }));
    const revise = await api().post(`/api/v1/drafts/${job.draft_id}/revise`, { instructions: 'Open on the sea instead' });
    expect(revise.statusCode, revise.body).toBe(202);
    const again = await runToEnd(t.app, alice, revise);
    expect(again.type).toBe('breakdown');
    expect(again.prompt).toContain('Open on the sea instead');
    const revised = await draftOf(t.app, alice, again.draft_id!);
    expect(revised).toMatchObject({ revision_of: job.draft_id, status: 'pending', target: { type: 'scene', id: s.emptySceneId } });
  });

  it('answers 422 for bad input and 404 for a scene that is not yours', async () => {
    for (const body of [{ max_panels: 0 }, { max_panels: 31 }, { variants: 5 }, { colour: 'red' }, { max_panels: 'many' }]) {
      const res = await api().post(`/api/v1/scenes/${s.emptySceneId}/breakdown`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('validation_failed');
    }
    expect((await api().post('/api/v1/scenes/not-an-id/breakdown', {})).statusCode).toBe(422);
    expect((await api(bob).post(`/api/v1/scenes/${s.emptySceneId}/breakdown`, {})).statusCode).toBe(404);
    expect((await api().post('/api/v1/scenes/65f0c0ffee0000000000abcd/breakdown', {})).statusCode).toBe(404);
  });
});

describe('POST /workflow/auto-panel', () => {
  it('without apply: a breakdown draft whose every proposed panel carries a visual prompt in the project style', async () => {
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/auto-panel', { scene_id: s.emptySceneId, variants: 1 }));
    expect(job).toMatchObject({ type: 'auto_panel', result: { applied: false } });
    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft).toMatchObject({ status: 'pending', target: { type: 'scene', id: s.emptySceneId } });
    const panels = proposals(draft.variants[0]!);
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(panel.visual_prompt, JSON.stringify(panel)).toMatch(/ink wash/);
    }
    expect(await panelsOf(t.app, alice, s.emptySceneId)).toHaveLength(0);
  });

  it('with apply: the first variant is selected at once and the panels exist with their visual prompts', async () => {
    const { sceneId } = await freshScene();
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/auto-panel', { scene_id: sceneId, apply: true }));
    expect(job.result).toMatchObject({ applied: true });
    const draft = await draftOf(t.app, alice, job.draft_id!);
    expect(draft).toMatchObject({ status: 'selected', selected_variant_id: draft.variants[0]!.id });

    const panels = await panelsOf(t.app, alice, sceneId);
    expectDense(panels);
    const proposed = proposals(draft.variants[0]!);
    expect(panels.map((p) => p.description)).toEqual(proposed.map((p) => p.description));
    expect(panels.map((p) => p.visual_prompt)).toEqual(proposed.map((p) => p.visual_prompt));
    expect(job.result.panel_ids).toEqual(panels.map((p) => p.id));
  });

  it('answers 422 without a scene_id or with a non-boolean apply, 404 for another user', async () => {
    expect((await api().post('/api/v1/workflow/auto-panel', {})).statusCode).toBe(422);
    expect((await api().post('/api/v1/workflow/auto-panel', { scene_id: s.emptySceneId, apply: 'yes please' })).statusCode).toBe(422);
    expect((await api(bob).post('/api/v1/workflow/auto-panel', { scene_id: s.emptySceneId, apply: true })).statusCode).toBe(404);
    expect(await panelsOf(t.app, alice, s.emptySceneId)).toHaveLength(0);
  });
});

async function freshScene(): Promise<{ sceneId: string }> {
  const res = await api().post(`/api/v1/chapters/${s.chapterId}/scenes`, {
    title: 'Fog',
    description: 'Tom lights his pipe. Mara looks at Tom. "Who sent the note?" Mara asks.',
    location_id: s.locationId,
    character_ids: [s.characterId, s.tomId],
  });
  expect(res.statusCode).toBe(201);
  return { sceneId: res.json().data.id };
}

describe('generation rate limit', () => {
  it('applies to breakdown, auto-panel, storyboard, generate-chapter and style-guide apply (shared counter)', async () => {
    const limited = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '3/minute' } });
    try {
      const carol = await createUser(limited.app);
      const c = as(limited.app, carol);
      const project = (await c.post('/api/v1/projects', { title: 'Limits' })).json().data;
      const chapter = (await c.post(`/api/v1/projects/${project.id}/chapters`, { title: 'One' })).json().data;
      const scene = (await c.post(`/api/v1/chapters/${chapter.id}/scenes`, { title: 'A', description: 'Rain.' })).json().data;
      expect((await c.post(`/api/v1/scenes/${scene.id}/breakdown`, {})).statusCode).toBe(202);
      expect((await c.post('/api/v1/workflow/auto-panel', { scene_id: scene.id })).statusCode).toBe(202);
      expect((await c.post('/api/v1/workflow/generate-chapter', { chapter_id: chapter.id })).statusCode).toBe(202);
      for (const [url, body] of [
        [`/api/v1/scenes/${scene.id}/breakdown`, {}],
        ['/api/v1/workflow/storyboard', { scene_id: scene.id }],
        ['/api/v1/workflow/generate-chapter', { chapter_id: chapter.id }],
        [`/api/v1/projects/${project.id}/style-guide/apply`, {}],
        ['/api/v1/workflow/consistency-check', { project_id: project.id, deep: true }],
      ] as const) {
        const res = await c.post(url, body);
        expect(res.statusCode, url).toBe(429);
        expect(res.json().code).toBe('rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      // A rules-only consistency check is not generation: it stays available.
      expect((await c.post('/api/v1/workflow/consistency-check', { project_id: project.id })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
