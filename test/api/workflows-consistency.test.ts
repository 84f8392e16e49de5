import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TextProvider, TextRequest } from '../../src/ports/ai-providers.js';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';
import { upload } from './generation.fixtures.js';
import { runToEnd } from './workflows.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute', RATE_LIMIT_DEFAULT: '100000/hour' } });
  alice = await createUser(t.app);
  bob = await createUser(t.app);
});
afterAll(async () => t.close());

const api = (user = alice, app: FastifyInstance = t.app) => as(app, user);
type Issue = { type: string; severity: string; message: string; target: { type: string; id: string }; details: Record<string, unknown> };

/** A finished project with nothing wrong: described, drawn, consistent casts and places, prompts in style. */
async function cleanProject(app: FastifyInstance, user: TestUser) {
  const b = story(app, user);
  const project = await b.project({ title: 'Harbour Lights', style_guide: { art_style: 'ink wash' } });
  const mara = await b.character(project.id, { name: 'Mara Quinn', appearance: 'red coat' });
  const tom = await b.character(project.id, { name: 'Tom Reyes', description: 'Harbour master' });
  const pier = await b.location(project.id, { name: 'Pier 9', description: 'Wet planks' });
  const chapter = await b.chapter(project.id, { title: 'Arrival', summary: 'Mara comes back.' });
  const scene = await b.scene(chapter.id, { title: 'The pier', description: 'Mara walks the pier. Later, Tom finds her near Pier 9.', location_id: pier.id, character_ids: [mara.id, tom.id] });
  const panels = [
    await b.panel(scene.id, { description: 'Mara under the lamp. The rain falls.', character_ids: [mara.id], visual_prompt: 'Mara in a red coat, ink wash, rain', dialogue: [{ type: 'caption', text: 'Later That Night' }] }),
    await b.panel(scene.id, {
      description: 'Tom steps out of the fog. Mara turns to him.',
      character_ids: [mara.id, tom.id],
      location_id: pier.id,
      dialogue: [
        { type: 'speech', character_id: tom.id, text: 'Hello, Mara. It is late, Miss Quinn.' },
        { type: 'shout', character_id: mara.id, text: 'STOP! Not again, Tom.' },
        { type: 'sfx', text: 'KRAK' },
      ],
    }),
  ];
  for (const panel of panels) await upload(app, user, project.id, panel.id);
  return { project, mara, tom, pier, chapter, scene, panels };
}

async function check(body: Record<string, unknown>, user = alice, app: FastifyInstance = t.app) {
  const res = await api(user, app).post('/api/v1/workflow/consistency-check', body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { issues: Issue[]; summary: Record<string, number>; scope: { type: string; id: string }; deep: boolean };
}

describe('POST /workflow/consistency-check', () => {
  it('finds nothing on a clean project (no false positives)', async () => {
    const { project } = await cleanProject(t.app, alice);
    const report = await check({ project_id: project.id });
    expect(report).toEqual({ project_id: project.id, scope: { type: 'project', id: project.id }, deep: false, issues: [], summary: { error: 0, warning: 0, info: 0 } });
  });

  it('reports every rule on a planted problem, with its target and severity', async () => {
    const c = await cleanProject(t.app, alice);
    const b = story(t.app, alice);
    const [first, second] = c.panels;
    const put = async (url: string, body: unknown) => expect((await api().put(url, body)).statusCode).toBe(200);
    await put(`/api/v1/panels/${first!.id}/dialogue`, { dialogue: [{ type: 'speech', character_id: c.tom.id, text: 'Who goes there?' }] });
    const stranger = await b.character(c.project.id, { name: 'Vance', description: 'A stranger' });
    const dock = await b.location(c.project.id, { name: 'Dry Dock' });
    await put(`/api/v1/panels/${second!.id}`, { character_ids: [c.mara.id, c.tom.id, stranger.id], location_id: dock.id, visual_prompt: 'photorealistic, cinematic lighting' });
    const bare = await b.panel(c.scene.id, { description: 'Mara meets Zed by the water.', character_ids: [c.mara.id] });
    await b.panel(c.scene.id, { description: '' });
    await b.scene(c.chapter.id, { title: 'Fog', description: 'Fog rolls in.' });
    await b.chapter(c.project.id, { title: 'Epilogue' });

    const report = await check({ project_id: c.project.id });
    const byType = (type: string) => report.issues.filter((i) => i.type === type);
    expect(byType('speaker_not_present')).toEqual([expect.objectContaining({ severity: 'error', target: { type: 'panel', id: first!.id }, details: expect.objectContaining({ character_id: c.tom.id }) })]);
    expect(byType('character_not_in_scene')).toEqual([expect.objectContaining({ severity: 'error', target: { type: 'panel', id: second!.id }, details: expect.objectContaining({ character_id: stranger.id }) })]);
    expect(byType('location_mismatch')).toEqual([expect.objectContaining({ severity: 'warning', target: { type: 'panel', id: second!.id } })]);
    expect(byType('style_drift')).toEqual([expect.objectContaining({ severity: 'warning', target: { type: 'panel', id: second!.id } })]);
    expect(byType('missing_description')).toHaveLength(1);
    expect(byType('missing_image').map((i) => i.severity)).toEqual(['info', 'info']);
    expect(byType('missing_image').map((i) => i.target.id)).toContain(bare.id);
    expect(byType('empty_scene')).toHaveLength(1);
    expect(byType('empty_chapter')).toEqual([expect.objectContaining({ severity: 'info', message: 'Chapter "Epilogue" has no scenes' })]);
    expect(byType('unknown_character_mention')).toEqual([expect.objectContaining({ target: { type: 'panel', id: bare.id }, details: { name: 'Zed', mentions: 1 } })]);
    expect(report.summary).toEqual({ error: 2, warning: 4, info: 4 });

    // A scope narrows the report to that part of the project.
    const scoped = await check({ project_id: c.project.id, scope: { type: 'panel', id: first!.id } });
    expect(scoped.issues.map((i) => i.type)).toEqual(['speaker_not_present']);
    const chapterOnly = await check({ project_id: c.project.id, scope: { type: 'chapter', id: c.chapter.id } });
    expect(chapterOnly.issues.map((i) => i.type)).not.toContain('empty_chapter');
  });

  it('answers 422 for bad input, a scope outside the project or deep without a real model; 404 for another user', async () => {
    const { project, scene } = await cleanProject(t.app, alice);
    const other = await story(t.app, alice).project({ title: 'Other' });
    for (const body of [{}, { project_id: 'nope' }, { project_id: project.id, scope: { type: 'universe', id: project.id } }, { project_id: project.id, extra: 1 }, { project_id: other.id, scope: { type: 'scene', id: scene.id } }, { project_id: project.id, scope: { type: 'project', id: other.id } }]) {
      expect((await api().post('/api/v1/workflow/consistency-check', body)).statusCode, JSON.stringify(body)).toBe(422);
    }
    const deep = await api().post('/api/v1/workflow/consistency-check', { project_id: project.id, deep: true });
    expect(deep.statusCode).toBe(422);
    expect(deep.json().details).toEqual([{ field: 'deep', message: expect.stringContaining('TEXT_PROVIDER=openai') }]);
    expect((await api(bob).post('/api/v1/workflow/consistency-check', { project_id: project.id })).statusCode).toBe(404);
    const bobs = await story(t.app, bob).project({ title: 'Bob' });
    const bobChapter = await story(t.app, bob).chapter(bobs.id, { title: 'B' });
    expect((await api().post('/api/v1/workflow/consistency-check', { project_id: project.id, scope: { type: 'chapter', id: bobChapter.id } })).statusCode).toBe(404);
  });

  it('turns into a 202 task for a project above 2000 panels', async () => {
    const b = story(t.app, alice);
    const project = await b.project({ title: 'Epic' });
    const chapter = await b.chapter(project.id, { title: 'Long' });
    const scene = await b.scene(chapter.id, { title: 'Crowd', description: 'Many panels.' });
    const base = { owner_id: alice.id, project_id: project.id, chapter_id: chapter.id, scene_id: scene.id, description: 'A crowd.', shot_type: null, camera_angle: '', character_ids: [], location_id: null, visual_prompt: '', dialogue: [], image_id: null, notes: '' };
    await t.container.store.insertMany('panels', Array.from({ length: 2001 }, (_, order) => ({ id: newId(), order, ...base })));
    const job = await runToEnd(t.app, alice, await api().post('/api/v1/workflow/consistency-check', { project_id: project.id }));
    expect(job.type).toBe('consistency_check');
    const issues = job.result.issues as Issue[];
    expect(issues.filter((i) => i.type === 'missing_image')).toHaveLength(2001);
    expect(job.result.summary).toEqual({ error: 0, warning: 0, info: 2001 });
  });
});

describe('deep consistency check with a real text model', () => {
  it('adds the model\'s continuity notes as a separate issue type (202 task)', async () => {
    const requests: TextRequest[] = [];
    let panelId = '';
    const model: TextProvider = {
      name: 'openai',
      model: 'gpt-test',
      maxPromptLength: 20_000,
      async generate(request) {
        requests.push(request);
        return [{ content: { notes: [{ message: 'Her coat is red here but blue before.', target_type: 'panel', target_id: panelId }, { message: 'The timeline jumps.', target_type: 'scene', target_id: 'not-an-id' }] }, metadata: {} }];
      },
    };
    const app = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute' }, container: { textProvider: model } });
    try {
      const user = await createUser(app.app);
      const c = await cleanProject(app.app, user);
      panelId = c.panels[1]!.id;
      const job = await runToEnd(app.app, user, await api(user, app.app).post('/api/v1/workflow/consistency-check', { project_id: c.project.id, deep: true }));
      expect(job).toMatchObject({ type: 'consistency_check', provider: 'openai', model: 'gpt-test' });
      expect(job.prompt).toContain(`[${panelId}]`);
      expect(requests[0]).toMatchObject({ task: 'continuity_check', n: 1 });
      expect(requests[0]!.schema).toBeDefined();
      expect(job.result).toMatchObject({ deep: true, summary: { error: 0, warning: 2, info: 0 } });
      expect(job.result.issues).toEqual([
        { type: 'continuity', severity: 'warning', message: 'Her coat is red here but blue before.', target: { type: 'panel', id: panelId }, details: { source: 'llm' } },
        { type: 'continuity', severity: 'warning', message: 'The timeline jumps.', target: { type: 'project', id: c.project.id }, details: { source: 'llm' } },
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('GET /workflow/suggestions', () => {
  it('suggests runnable next steps, and running them works', async () => {
    const c = await cleanProject(t.app, alice);
    const b = story(t.app, alice);
    const emptyScene = await b.scene(c.chapter.id, { title: 'Fog', description: 'Fog rolls in. Tom lights a lamp.' });
    const emptyChapter = await b.chapter(c.project.id, { title: 'Epilogue', summary: 'Mara leaves.' });
    const bare = await b.panel(c.scene.id, { description: 'Mara meets Zed by the water.', character_ids: [c.mara.id], location_id: c.pier.id });
    expect((await api().put(`/api/v1/panels/${c.panels[0]!.id}`, { location_id: (await b.location(c.project.id, { name: 'Dry Dock' })).id })).statusCode).toBe(200);
    // A pending draft somewhere in the project.
    await runToEnd(t.app, alice, await api().post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: c.scene.id } }));

    const res = await api().get(`/api/v1/workflow/suggestions?project_id=${c.project.id}`);
    expect(res.statusCode, res.body).toBe(200);
    type S = { type: string; message: string; target: { type: string; id: string }; action: { method: string; path: string; body: Record<string, unknown> | null } };
    const { suggestions, total } = res.json().data as { suggestions: S[]; total: number };
    expect(total).toBe(suggestions.length);
    const find = (type: string, targetId?: string) => suggestions.find((x) => x.type === type && (!targetId || x.target.id === targetId));
    expect(suggestions[0]).toMatchObject({ type: 'review', action: { method: 'GET', path: `/api/v1/drafts/pending?project_id=${c.project.id}`, body: null } });
    expect(find('breakdown', emptyScene.id)?.action).toEqual({ method: 'POST', path: `/api/v1/scenes/${emptyScene.id}/breakdown`, body: {} });
    expect(find('generate_chapter', emptyChapter.id)?.action).toEqual({ method: 'POST', path: '/api/v1/workflow/generate-chapter', body: { chapter_id: emptyChapter.id } });
    expect(find('storyboard', c.scene.id)?.action).toEqual({ method: 'POST', path: '/api/v1/workflow/storyboard', body: { scene_id: c.scene.id } });
    expect(find('character_design', c.mara.id)?.action).toEqual({ method: 'POST', path: '/api/v1/generate/character-design', body: { character_id: c.mara.id } });
    const mismatch = find('fix', c.panels[0]!.id)!;
    expect(mismatch.action).toMatchObject({ method: 'PUT', path: `/api/v1/panels/${c.panels[0]!.id}`, body: { location_id: c.pier.id, version: expect.any(Number) } });
    const mention = suggestions.find((x) => x.type === 'fix' && x.action.path.endsWith('/characters'))!;
    expect(mention.action).toEqual({ method: 'POST', path: `/api/v1/projects/${c.project.id}/characters`, body: { name: 'Zed' } });
    // Issues that have their own suggestion are not repeated as fixes.
    expect(suggestions.filter((x) => x.type === 'fix' && x.target.id === bare.id).map((x) => x.action.path)).toEqual([`/api/v1/projects/${c.project.id}/characters`]);

    // Every action runs as given.
    for (const suggestion of [find('review')!, find('breakdown', emptyScene.id)!, find('generate_chapter', emptyChapter.id)!, find('storyboard', c.scene.id)!, find('character_design', c.mara.id)!, mismatch, mention]) {
      const { method, path, body } = suggestion.action;
      const done = await t.app.inject({ method: method as 'GET', url: path, headers: alice.auth, ...(body ? { payload: body } : {}) });
      expect(done.statusCode, `${method} ${path}: ${done.body}`).toBeLessThan(300);
    }
    const after = await check({ project_id: c.project.id });
    expect(after.issues.map((i) => i.type)).not.toContain('location_mismatch');
    expect(after.issues.map((i) => i.type)).not.toContain('unknown_character_mention');

    // A scene whose breakdown now waits for review is not suggested for another breakdown.
    const later = (await api().get(`/api/v1/workflow/suggestions?project_id=${c.project.id}&limit=200`)).json().data.suggestions as S[];
    expect(later.find((x) => x.type === 'breakdown' && x.target.id === emptyScene.id)).toBeUndefined();
  });

  it('honours limit, and answers 422 for a bad query and 404 for another user', async () => {
    const { project } = await cleanProject(t.app, alice);
    await story(t.app, alice).chapter(project.id, { title: 'A' });
    await story(t.app, alice).chapter(project.id, { title: 'B' });
    const one = (await api().get(`/api/v1/workflow/suggestions?project_id=${project.id}&limit=1`)).json().data;
    expect(one.suggestions).toHaveLength(1);
    expect(one.total).toBeGreaterThan(1);
    expect((await api().get('/api/v1/workflow/suggestions')).statusCode).toBe(422);
    expect((await api().get(`/api/v1/workflow/suggestions?project_id=${project.id}&limit=0`)).statusCode).toBe(422);
    expect((await api().get(`/api/v1/workflow/suggestions?project_id=${project.id}&colour=red`)).statusCode).toBe(422);
    expect((await api(bob).get(`/api/v1/workflow/suggestions?project_id=${project.id}`)).statusCode).toBe(404);
  });
});
