// Seeds a running Inkframe server for the Schemathesis run (.ci/schemathesis.sh): one user,
// a story tree (project > chapter > scene > panel, character, location, instruction),
// finished generation and task jobs with their images and drafts, plus spare resources
// that only the destructive operations get, so a DELETE early in the run does not take
// the data every other operation tests against with it.
//
// Usage: node .ci/schemathesis-seed.mjs BASE_URL OUT_DIR
// Writes OUT_DIR/token, OUT_DIR/logout-token and OUT_DIR/seed.toml (dictionaries and
// parameter bindings appended to .ci/schemathesis.toml).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) throw new Error('usage: schemathesis-seed.mjs BASE_URL OUT_DIR');
const api = `${base.replace(/\/$/, '')}/api/v1`;

async function call(method, url, body, token) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status}: ${JSON.stringify(json)}`);
  return json.data;
}

const username = `fuzz_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');
await call('POST', '/auth/register', { username, password });
const login = () => call('POST', '/auth/login', { username, password }).then((tokens) => tokens.access_token);
// Logout revokes its token and session, so it gets a session of its own.
const token = await login();
const logoutToken = await login();

const as = (method, url, body) => call(method, url, body, token);
const ids = async (count, make) => {
  const out = [];
  for (let i = 0; i < count; i++) out.push((await make(i)).id);
  return out;
};

/** Polls a job until it ends; the seed needs its images and draft. */
async function finished(statusUrl) {
  for (let i = 0; i < 600; i++) {
    const job = await as('GET', statusUrl);
    if (job.status === 'succeeded') return job;
    if (job.status === 'failed' || job.status === 'canceled') throw new Error(`${statusUrl}: job ${job.status}: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${statusUrl}: job did not finish`);
}

const SPARES = 3;
const project = (await as('POST', '/projects', { title: 'Fuzz project', description: 'Seeded for API fuzzing', tags: ['fuzz'] })).id;
const spareProjects = await ids(SPARES, (i) => as('POST', '/projects', { title: `Spare project ${i}` }));
const chapter = (await as('POST', `/projects/${project}/chapters`, { title: 'Chapter one' })).id;
const spareChapters = await ids(SPARES, (i) => as('POST', `/projects/${project}/chapters`, { title: `Spare chapter ${i}` }));
const character = (await as('POST', `/projects/${project}/characters`, { name: 'Mara', role: 'lead' })).id;
const spareCharacters = await ids(SPARES, (i) => as('POST', `/projects/${project}/characters`, { name: `Spare ${i}` }));
const location = (await as('POST', `/projects/${project}/locations`, { name: 'Harbour' })).id;
const spareLocations = await ids(SPARES, (i) => as('POST', `/projects/${project}/locations`, { name: `Spare ${i}` }));
const scene = (await as('POST', `/chapters/${chapter}/scenes`, { title: 'Arrival', location_id: location, character_ids: [character] })).id;
const spareScenes = await ids(SPARES, (i) => as('POST', `/chapters/${chapter}/scenes`, { title: `Spare scene ${i}` }));
const bubbles = [
  { type: 'speech', character_id: character, text: 'We made it.' },
  { type: 'caption', character_id: null, text: 'Dawn.' },
];
const panel = (await as('POST', `/scenes/${scene}/panels`, { description: 'Mara steps off the boat', shot_type: 'wide', character_ids: [character], dialogue: bubbles })).id;
const sparePanels = await ids(SPARES * 2, (i) => as('POST', `/scenes/${scene}/panels`, { description: `Spare panel ${i}`, dialogue: bubbles }));
const instruction = (await as('POST', `/projects/${project}/instructions`, { content: 'Keep the palette muted' })).id;
const spareInstructions = await ids(SPARES, (i) => as('POST', `/panels/${panel}/instructions`, { content: `Spare instruction ${i}` }));

// Image jobs: their images, and drafts for the panel (one to keep, spares to delete).
const generation = await as('POST', '/generate/image', { project_id: project, prompt: 'a harbour at dawn', n: 3, width: 128, height: 128, target: { type: 'panel', id: panel } });
const generated = await finished(`/generate/status/${generation.id}`);
const [image, ...spareImages] = generated.result.image_ids;
const draftIds = [generated.draft_id];
for (let i = 0; i < SPARES; i++) {
  const job = await as('POST', `/panels/${panel}/generate-image`, { n: 1 });
  draftIds.push((await finished(`/generate/status/${job.id}`)).draft_id);
}
const [draft, ...spareDrafts] = draftIds;
const task = await as('POST', '/tasks/execute', { type: 'panel_description', target: { type: 'panel', id: panel } });
await finished(`/tasks/${task.id}/status`);

await writeFile(path.join(outDir, 'token'), token);
await writeFile(path.join(outDir, 'logout-token'), logoutToken);

const list = (values) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
const dictionaries = {
  project_ids: [project],
  chapter_ids: [chapter],
  scene_ids: [scene],
  panel_ids: [panel],
  character_ids: [character],
  location_ids: [location],
  instruction_ids: [instruction],
  image_ids: [image],
  draft_ids: [draft],
  generation_ids: [generation.id],
  task_ids: [task.id],
  spare_project_ids: spareProjects,
  spare_chapter_ids: spareChapters,
  spare_scene_ids: spareScenes,
  spare_panel_ids: sparePanels,
  spare_character_ids: spareCharacters,
  spare_location_ids: spareLocations,
  spare_instruction_ids: spareInstructions,
  spare_image_ids: spareImages,
  spare_draft_ids: spareDrafts,
};
const lines = ['', '# Generated by .ci/schemathesis-seed.mjs', '[dictionaries]'];
for (const [name, values] of Object.entries(dictionaries)) lines.push(`${name} = { values = ${list(values)} }`);

// Real ids most of the time (so requests get past the 404 to the logic behind it),
// generated ones otherwise.
const P = 0.8;
const resources = ['project', 'chapter', 'scene', 'panel', 'character', 'location', 'instruction', 'image', 'draft', 'generation', 'task'];
lines.push('', '[parameters]');
for (const name of resources) {
  lines.push(`${name}_id = { dictionary = "${name}_ids", probability = ${P} }`);
  lines.push(`"body.${name}_id" = { dictionary = "${name}_ids", probability = ${P} }`);
}

// Destructive operations work on the spares only: always a spare id, and never an id
// picked up from an earlier response (that is how the seeded project got deleted mid-run).
const destructive = [
  ['DELETE /api/v1/projects/{project_id}', 'project_id', 'spare_project_ids'],
  ['DELETE /api/v1/chapters/{chapter_id}', 'chapter_id', 'spare_chapter_ids'],
  ['DELETE /api/v1/scenes/{scene_id}', 'scene_id', 'spare_scene_ids'],
  ['DELETE /api/v1/panels/{panel_id}', 'panel_id', 'spare_panel_ids'],
  ['POST /api/v1/panels/{panel_id}/merge', 'body.panel_id', 'spare_panel_ids'],
  ['DELETE /api/v1/characters/{character_id}', 'character_id', 'spare_character_ids'],
  ['DELETE /api/v1/locations/{location_id}', 'location_id', 'spare_location_ids'],
  ['DELETE /api/v1/instructions/{instruction_id}', 'instruction_id', 'spare_instruction_ids'],
  ['DELETE /api/v1/images/{image_id}', 'image_id', 'spare_image_ids'],
  ['DELETE /api/v1/drafts/{draft_id}', 'draft_id', 'spare_draft_ids'],
];
for (const [name, parameter, dictionary] of destructive) {
  lines.push(
    '',
    '[[operations]]',
    `include-name = "${name}"`,
    `parameters = { "${parameter}" = { dictionary = "${dictionary}", probability = 1.0 } }`,
    'phases.coverage.extra-data-sources.responses = false',
    'phases.fuzzing.extra-data-sources.responses = false',
  );
}
await writeFile(path.join(outDir, 'seed.toml'), `${lines.join('\n')}\n`);
console.log(`seeded ${username}: project ${project}, chapter ${chapter}, scene ${scene}, panel ${panel}, image ${image}, draft ${draft}`);
