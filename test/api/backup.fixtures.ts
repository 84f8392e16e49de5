/**
 * Helpers for the backup tests: the two command-line tools as child processes, a story with
 * images built over HTTP on a real server, and a writer that keeps adding panels.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { call, created, type Json } from '../helpers/server-process.js';

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/cli/<tool>.ts with exactly PATH plus `env` (no MONGODB_URL leaks in from CI). */
export function runTool(tool: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<ToolRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${tool}.ts`, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export const pngOf = (color: string) => sharp({ create: { width: 96, height: 64, channels: 3, background: color } }).png().toBuffer();

export async function uploadPng(base: string, token: string, projectId: string, data: Buffer, panelId?: string): Promise<Json> {
  const form = new FormData();
  form.append('project_id', projectId);
  if (panelId) form.append('panel_id', panelId);
  form.append('file', new Blob([data]), 'art.png');
  const response = await fetch(`${base}/images/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await response.json()) as Json;
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

export async function getData(base: string, url: string, token: string): Promise<Json> {
  const answer = await call(base, 'GET', url, token);
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json.data;
}

/** Every panel of a scene in order (all pages). */
export async function allPanels(base: string, token: string, sceneId: string): Promise<Json[]> {
  const items: Json[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await getData(base, `/scenes/${sceneId}/panels?limit=100&skip=${skip}`, token);
    items.push(...page.items);
    if (!page.has_more) return items;
  }
}

/** A project with two chapters, a scene with panels and two uploaded images (one shown by a panel). */
export async function buildStory(base: string, token: string) {
  const project = await created(base, '/projects', token, { title: 'The Lighthouse', genre: 'mystery' });
  const chapters = [
    await created(base, `/projects/${project.id}/chapters`, token, { title: 'Arrival', summary: 'A storm' }),
    await created(base, `/projects/${project.id}/chapters`, token, { title: 'The Keeper' }),
  ];
  const scene = await created(base, `/chapters/${chapters[0]!.id}/scenes`, token, { title: 'Cliffs' });
  const busyScene = await created(base, `/chapters/${chapters[1]!.id}/scenes`, token, { title: 'Writes keep coming' });
  const panels = [];
  for (const description of ['Waves', 'Light', 'Door']) panels.push(await created(base, `/scenes/${scene.id}/panels`, token, { description, shot_type: 'wide' }));
  const bytes = [await pngOf('#204060'), await pngOf('#c08020')];
  const images = [await uploadPng(base, token, project.id, bytes[0]!, panels[1]!.id), await uploadPng(base, token, project.id, bytes[1]!)];
  return { project, chapters, scene, busyScene, panels, images, bytes };
}

/** Adds panels `w0`, `w1`, ... to a scene one after another until stopped; counts the acknowledged ones. */
export function startWriter(base: string, token: string, sceneId: string) {
  let acked = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped && acked < 3000) {
      await created(base, `/scenes/${sceneId}/panels`, token, { description: `w${acked}` });
      acked += 1;
    }
  })();
  return {
    acked: () => acked,
    async stop() {
      stopped = true;
      await done;
      return acked;
    },
  };
}
