import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';
import { draftOf, expectDense, panelsOf, runToEnd, seedWorkflowStory, type WorkflowStory } from './workflows.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let s: WorkflowStory;
const events: AppEvent[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute', RATE_LIMIT_DEFAULT: '100000/hour' } });
  t.container.events.subscribe((event) => events.push(event));
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedWorkflowStory(t.app, alice);
});
afterAll(async () => t.close());

const api = (user = alice) => as(t.app, user);
type PanelEntry = { panel_id: string; image_draft_id: string; visual_prompt_draft_id: string | null; image_ids: string[] };

describe('POST /workflow/storyboard', () => {
  it('makes a visual prompt and an image draft for every panel of a scene, in order, with progress per panel', async () => {
    const panels = await panelsOf(t.app, alice, s.sceneId);
    // The writer's own prompt wins over a generated one.
    expect((await api().put(`/api/v1/panels/${panels[0]!.id}`, { visual_prompt: 'Mara under a sodium lamp, ink wash, heavy rain' })).statusCode).toBe(200);

    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/storyboard', { scene_id: s.sceneId }), 'generation');
    expect(job.type).toBe('storyboard');
    const entries = job.result.panels as PanelEntry[];
    expect(entries.map((e) => e.panel_id)).toEqual(panels.map((p) => p.id));
    expect(job.result.draft_ids).toEqual(entries.map((e) => e.image_draft_id));
    expect(entries[0]!.visual_prompt_draft_id).toBeNull();
    expect(job.result.visual_prompt_draft_ids).toHaveLength(panels.length - 1);
    expect(job.result.breakdown_draft_ids).toEqual([]);

    for (const entry of entries) {
      const image = await draftOf(t.app, alice, entry.image_draft_id);
      expect(image).toMatchObject({ kind: 'image', status: 'pending', target: { type: 'panel', id: entry.panel_id } });
      expect(image.variants.map((v) => v.image_id)).toEqual(entry.image_ids);
      const record = await api().get(`/api/v1/images/${entry.image_ids[0]}/metadata`);
      expect(record.statusCode, record.body).toBe(200);
      if (entry.visual_prompt_draft_id) {
        const text = await draftOf(t.app, alice, entry.visual_prompt_draft_id);
        expect(text).toMatchObject({ kind: 'text', status: 'pending', target: { type: 'panel', id: entry.panel_id } });
        expect(text.variants[0]!.content).toMatch(/ink wash/);
      }
    }
    expect(job.prompt).toContain('sodium lamp');
    const messages = events.filter((e) => e.type === 'generation_progress' && e.data.job_id === job.id).map((e) => String(e.data.message ?? ''));
    for (let i = 1; i <= panels.length; i++) expect(messages).toContain(`Panel ${i} of ${panels.length}: done`);
    // Nothing was applied: the panels still have no image.
    expect((await panelsOf(t.app, alice, s.sceneId)).every((p) => p.image_id === null)).toBe(true);
  });

  it('breaks an empty scene down first (applied), then storyboards the new panels', async () => {
    const scene = await story(t.app, alice).scene(s.chapterId, { title: 'Dawn', description: 'Tom mends a net. Mara watches the boats. "Tomorrow," Tom says.', character_ids: [s.characterId, s.tomId] });
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/storyboard', { scene_id: scene.id, seed: 3 }), 'generation');
    const [breakdownId] = job.result.breakdown_draft_ids as string[];
    const breakdown = await draftOf(t.app, alice, breakdownId!);
    expect(breakdown).toMatchObject({ status: 'selected', target: { type: 'scene', id: scene.id } });
    const created = await panelsOf(t.app, alice, scene.id);
    expect(created.length).toBeGreaterThan(0);
    expectDense(created);
    expect((job.result.panels as PanelEntry[]).map((e) => e.panel_id)).toEqual(created.map((p) => p.id));
  });

  it('covers every scene of a chapter in reading order', async () => {
    const b = story(t.app, alice);
    const chapter = await b.chapter(s.projectId, { title: 'Two' });
    const first = await b.scene(chapter.id, { title: 'One' });
    const second = await b.scene(chapter.id, { title: 'Two' });
    const ids = [await b.panel(second.id, { description: 'B1' }), await b.panel(first.id, { description: 'A1' }), await b.panel(first.id, { description: 'A2' })].map((p) => p.id);
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/storyboard', { chapter_id: chapter.id, n: 2 }), 'generation');
    expect((job.result.panels as PanelEntry[]).map((e) => e.panel_id)).toEqual([ids[1], ids[2], ids[0]]);
    for (const entry of job.result.panels as PanelEntry[]) expect(entry.image_ids).toHaveLength(2);
  });

  it('answers 422 for both or neither ids, an unknown field or a chapter without scenes; 404 for another user', async () => {
    const chapter = await story(t.app, alice).chapter(s.projectId, { title: 'Empty' });
    for (const body of [{}, { scene_id: s.sceneId, chapter_id: s.chapterId }, { scene_id: s.sceneId, style: 'x' }, { chapter_id: chapter.id }, { scene_id: s.sceneId, n: 9 }]) {
      const res = await api().post('/api/v1/workflow/storyboard', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await api(bob).post('/api/v1/workflow/storyboard', { scene_id: s.sceneId })).statusCode).toBe(404);
    expect((await api(bob).post('/api/v1/workflow/storyboard', { chapter_id: s.chapterId })).statusCode).toBe(404);
  });
});

describe('POST /projects/{project_id}/style-guide/apply', () => {
  it('proposes restyled visual prompts as drafts, one per panel in scope, leaving the panels as they are', async () => {
    expect((await api().put(`/api/v1/projects/${s.projectId}/style-guide`, { art_style: 'loose watercolour' })).statusCode).toBe(200);
    const before = await panelsOf(t.app, alice, s.sceneId);
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, { scope: { type: 'scene', id: s.sceneId } }));
    expect(job.type).toBe('style_guide_apply');
    const draftIds = job.result.visual_prompt_draft_ids as string[];
    expect(draftIds).toHaveLength(before.length);
    expect(job.result.image_draft_ids).toEqual([]);
    for (const [index, id] of draftIds.entries()) {
      const draft = await draftOf(t.app, alice, id);
      expect(draft).toMatchObject({ kind: 'text', target: { type: 'panel', id: before[index]!.id } });
      expect(draft.variants[0]!.content).toMatch(/loose watercolour/);
    }
    const after = await panelsOf(t.app, alice, s.sceneId);
    expect(after.map((p) => [p.visual_prompt, p.version])).toEqual(before.map((p) => [p.visual_prompt, p.version]));

    // Selecting one of them writes it to its panel (the drafts module's visual_prompt mapping).
    const draft = await draftOf(t.app, alice, draftIds[1]!);
    expect((await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0]!.id })).statusCode).toBe(200);
    expect((await panelsOf(t.app, alice, s.sceneId))[1]!.visual_prompt).toBe(draft.variants[0]!.content);
  });

  it('with apply writes the prompts to the panels (versions bump) and with regenerate_images adds image drafts', async () => {
    expect((await api().put(`/api/v1/projects/${s.projectId}/style-guide`, { art_style: 'stark woodcut' })).statusCode).toBe(200);
    const before = await panelsOf(t.app, alice, s.sceneId);
    const res = await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, { scope: { type: 'scene', id: s.sceneId }, apply: true, regenerate_images: true });
    const job = await runToEnd(t.app, alice, res, 'generation');
    expect(job.result.updated_panel_ids).toEqual(before.map((p) => p.id));
    expect(job.result.visual_prompt_draft_ids).toEqual([]);
    const after = await panelsOf(t.app, alice, s.sceneId);
    for (const [index, panel] of after.entries()) {
      expect(panel.visual_prompt).toMatch(/stark woodcut/);
      expect(panel.version).toBe((before[index]!.version as number) + 1);
    }
    const imageDrafts = job.result.image_draft_ids as string[];
    expect(imageDrafts).toHaveLength(before.length);
    for (const [index, id] of imageDrafts.entries()) expect(await draftOf(t.app, alice, id)).toMatchObject({ kind: 'image', target: { type: 'panel', id: before[index]!.id } });
    const updates = events.filter((e) => e.type === 'content_update' && e.data.resource === 'panel' && e.data.action === 'updated' && before.some((p) => p.id === e.data.id));
    expect(updates.length).toBeGreaterThanOrEqual(before.length);
  });

  it('a revise of one restyled prompt reruns for that panel only', async () => {
    const panel = (await panelsOf(t.app, alice, s.sceneId))[0]!;
    const job = await runToEnd(t.app, alice, await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, { scope: { type: 'panel', id: panel.id } }));
    const [draftId] = job.result.visual_prompt_draft_ids as string[];
    const again = await runToEnd(t.app, alice, await api().post(`/api/v1/drafts/${draftId}/revise`, { instructions: 'Mention the gulls' }));
    expect(again.result).toMatchObject({ revision_of: draftId });
    expect(again.prompt).toContain('Mention the gulls');
    expect(await draftOf(t.app, alice, again.draft_id!)).toMatchObject({ revision_of: draftId, target: { type: 'panel', id: panel.id }, kind: 'text' });
  });

  it('answers 422 for scopes outside the project or without panels, 404 for another user', async () => {
    const b = story(t.app, alice);
    const other = await b.project({ title: 'Other' });
    const otherChapter = await b.chapter(other.id, { title: 'X' });
    const cases: unknown[] = [
      { scope: { type: 'chapter', id: otherChapter.id } },
      { scope: { type: 'project', id: other.id } },
      { scope: { type: 'galaxy', id: s.sceneId } },
      { scope: { type: 'scene' } },
      { regenerate_images: 'yes' },
      { colour: 'blue' },
    ];
    for (const body of cases) expect((await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, body)).statusCode, JSON.stringify(body)).toBe(422);
    expect((await api().post(`/api/v1/projects/${other.id}/style-guide/apply`, {})).statusCode).toBe(422);
    expect((await api(bob).post(`/api/v1/projects/${s.projectId}/style-guide/apply`, {})).statusCode).toBe(404);
    const bobs = await story(t.app, bob).project({ title: 'Bob' });
    expect((await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, { scope: { type: 'project', id: bobs.id } })).statusCode).toBe(422);
    const bobChapter = await story(t.app, bob).chapter(bobs.id, { title: 'B' });
    expect((await api().post(`/api/v1/projects/${s.projectId}/style-guide/apply`, { scope: { type: 'chapter', id: bobChapter.id } })).statusCode).toBe(404);
  });
});
