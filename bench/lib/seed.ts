/**
 * Seeds through the public API only: a user, a small project, a write target, and the big
 * project of 50 chapters x 20 scenes x 10 panels (10,000 panels) with characters and dialogue,
 * so list, stats and export read realistic documents.
 */
import { api, pool } from './http.js';

export const BIG = { chapters: 50, scenesPerChapter: 20, panelsPerScene: 10 };
const WRITE_SCENES = 50;

export interface Seeded {
  token: string;
  username: string;
  password: string;
  smallProjectId: string;
  writeProjectId: string;
  /** Scenes the write cases spread their panels over, so no scene grows unrealistically long. */
  writeSceneIds: string[];
  writeCharacterId: string;
  bigProjectId: string;
  bigChapterIds: string[];
  /** A scene in the middle of the big project (its panel list is the list case). */
  listSceneId: string;
  characterIds: string[];
  seedSeconds: number;
  panelsPerSecond: number;
}

const LOREM =
  'Rain hammers the neon street while the courier checks the package again, the city humming under a sky the colour of old bruises';

/** A realistic panel: description, prompt, a speaker and a caption. */
export function panelBody(index: number, characterId: string | undefined): Record<string, unknown> {
  return {
    description: `Panel ${index}. ${LOREM}.`,
    shot_type: 'medium',
    camera_angle: 'eye level',
    character_ids: characterId ? [characterId] : [],
    visual_prompt: `${LOREM}, ink and watercolour, panel ${index}`,
    dialogue: [
      ...(characterId ? [{ type: 'speech', character_id: characterId, text: `We have ${index % 60} minutes before the bridge closes.` }] : []),
      { type: 'caption', text: 'Later that night.' },
    ],
  };
}

export async function registerAndLogin(base: string, suffix: string): Promise<{ token: string; username: string; password: string }> {
  const username = `bench_${suffix}`;
  const password = 'bench-password-1';
  await api(base, 'POST', '/api/v1/auth/register', { json: { username, password } });
  const tokens = await api<{ access_token: string }>(base, 'POST', '/api/v1/auth/login', { json: { username, password }, expect: 200 });
  return { token: tokens.access_token, username, password };
}

/** `big: false` skips the 10,000-panel project (for re-runs of cases that do not read it). */
export async function seed(base: string, log: (line: string) => void, options: { big?: boolean; concurrency?: number } = {}): Promise<Seeded> {
  const concurrency = options.concurrency ?? 16;
  const big = options.big ?? true;
  const started = performance.now();
  const { token, username, password } = await registerAndLogin(base, Date.now().toString(36));
  const post = <T>(path: string, json: unknown) => api<T & { id: string }>(base, 'POST', path, { token, json });

  const small = await post('/api/v1/projects', { title: 'Small project', description: 'The GET case', genre: 'noir', tags: ['bench'] });
  const write = await post('/api/v1/projects', { title: 'Write target' });
  const writeChapter = await post(`/api/v1/projects/${write.id}/chapters`, { title: 'Writes' });
  const writeSceneIds: string[] = [];
  for (let i = 0; i < WRITE_SCENES; i++) writeSceneIds.push((await post(`/api/v1/chapters/${writeChapter.id}/scenes`, { title: `Writes ${i + 1}` })).id);
  const writeCharacter = await post(`/api/v1/projects/${write.id}/characters`, { name: 'Writer' });

  const bigProject = await post('/api/v1/projects', { title: 'Big project', description: '10,000 panels' });
  const shape = big ? BIG : { chapters: 1, scenesPerChapter: 1, panelsPerScene: 1 };
  const characterIds: string[] = [];
  for (const name of ['Mara', 'Ivo', 'Sen', 'Dax', 'Lune']) {
    characterIds.push((await post(`/api/v1/projects/${bigProject.id}/characters`, { name, description: `${name}, a character` })).id);
  }
  const chapterIds: string[] = [];
  for (let c = 0; c < shape.chapters; c++) chapterIds.push((await post(`/api/v1/projects/${bigProject.id}/chapters`, { title: `Chapter ${c + 1}` })).id);

  // Scenes within a chapter are created one after another so their order matches their titles.
  const sceneIds: string[][] = chapterIds.map(() => []);
  await pool(chapterIds, concurrency, async (chapterId, c) => {
    for (let s = 0; s < shape.scenesPerChapter; s++) {
      const scene = await post(`/api/v1/chapters/${chapterId}/scenes`, { title: `Scene ${c + 1}.${s + 1}`, description: LOREM });
      sceneIds[c]!.push(scene.id);
    }
  });
  log(`  seeded ${chapterIds.length} chapters, ${sceneIds.flat().length} scenes in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const panelsStarted = performance.now();
  const allScenes = sceneIds.flat();
  await pool(allScenes, concurrency, async (sceneId, s) => {
    for (let p = 0; p < shape.panelsPerScene; p++) {
      await post(`/api/v1/scenes/${sceneId}/panels`, panelBody(s * shape.panelsPerScene + p, characterIds[(s + p) % characterIds.length]));
    }
  });
  const panelSeconds = (performance.now() - panelsStarted) / 1000;
  const panels = allScenes.length * shape.panelsPerScene;
  log(`  seeded ${panels} panels in ${panelSeconds.toFixed(1)} s (${(panels / panelSeconds).toFixed(0)}/s, ${concurrency} in flight)`);

  return {
    token,
    username,
    password,
    smallProjectId: small.id,
    writeProjectId: write.id,
    writeSceneIds,
    writeCharacterId: writeCharacter.id,
    bigProjectId: bigProject.id,
    bigChapterIds: chapterIds,
    listSceneId: sceneIds[Math.floor(shape.chapters / 2)]![Math.floor(shape.scenesPerChapter / 2)]!,
    characterIds,
    seedSeconds: (performance.now() - started) / 1000,
    panelsPerSecond: panels / panelSeconds,
  };
}
