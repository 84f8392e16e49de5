/**
 * Helpers for the generation and task suites: a small story with a style guide and
 * instructions, polling a job to its end, and stand-in providers for what the offline ones
 * cannot show (a provider that waits on its AbortSignal, one that is unreachable).
 */
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { ProviderError, type CallOptions, type ImageProvider, type ImageRequest, type TextProvider } from '../../src/ports/ai-providers.js';
import { as, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';

type Json = Record<string, unknown>;

export interface Story {
  projectId: string;
  chapterId: string;
  sceneId: string;
  panelIds: string[];
  characterId: string;
  locationId: string;
}

/** A project with a style guide, one chapter, one scene with three panels, a character, a location and instructions. */
export async function seedStory(app: FastifyInstance, user: TestUser): Promise<Story> {
  const s = story(app, user);
  const project = await s.project({
    title: 'Harbour Lights',
    genre: 'noir',
    style_guide: { art_style: 'ink wash', color_palette: ['#112233', '#aabbcc'], mood: 'brooding', aspect_ratio: '2:3', negative_prompt: 'blurry' },
  });
  const character = await s.character(project.id, { name: 'Mara', appearance: 'tall, red coat, short silver hair', role: 'detective' });
  const location = await s.location(project.id, { name: 'Pier 9', description: 'rain-soaked docks at night' });
  const chapter = await s.chapter(project.id, { title: 'Arrival', summary: 'Mara comes back to the harbour.' });
  const scene = await s.scene(chapter.id, { title: 'The pier', description: 'Mara walks the pier. She finds a note.', location_id: location.id, character_ids: [character.id] });
  const panelIds: string[] = [];
  for (const [index, description] of ['Mara under a lamp', 'A note in the rain', 'Mara reads it'].entries()) {
    const panel = await s.panel(scene.id, {
      description,
      shot_type: index === 1 ? 'close_up' : 'medium',
      character_ids: index === 1 ? [] : [character.id],
      dialogue: index === 2 ? [{ type: 'speech', character_id: character.id, text: 'Not again.' }] : [],
    });
    panelIds.push(panel.id);
  }
  const instruct = async (url: string, content: string) => {
    const res = await s.api.post(url, { content });
    if (res.statusCode !== 201) throw new Error(`instruction: ${res.statusCode} ${res.body}`);
  };
  await instruct(`/api/v1/projects/${project.id}/instructions`, 'Always show the rain');
  await instruct(`/api/v1/panels/${panelIds[0]}/instructions`, 'Keep the lamp glow warm');
  return { projectId: project.id, chapterId: chapter.id, sceneId: scene.id, panelIds, characterId: character.id, locationId: location.id };
}

const FINISHED = ['succeeded', 'failed', 'canceled'];

/** Polls a status URL until the job ends; returns the job. */
export async function finished(app: FastifyInstance, user: TestUser, statusUrl: string, timeoutMs = 15_000): Promise<Json & { status: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await as(app, user).get(statusUrl);
    expect(res.statusCode).toBe(200);
    const job = res.json().data;
    if (FINISHED.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job still ${job.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls until the status URL shows `status`. */
export async function reaches(app: FastifyInstance, user: TestUser, statusUrl: string, status: string, timeoutMs = 10_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await as(app, user).get(statusUrl)).json().data;
    if (job.status === status) return job;
    if (Date.now() > deadline) throw new Error(`job is ${job.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Rejects when the signal aborts; never resolves otherwise. */
function untilAborted(signal: AbortSignal, onAbort: () => void): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      onAbort();
      reject(new ProviderError('aborted'));
    });
  });
}

/**
 * An image provider the test steers: each call takes the next planned action, 'hold' (wait
 * on the signal: a long render only a cancel ends) or 'ok' (answer at once with a real PNG);
 * with nothing planned it answers at once.
 */
export function controllableImageProvider() {
  const calls: ImageRequest[] = [];
  let aborts = 0;
  const plan: ('ok' | 'hold')[] = [];
  const provider: ImageProvider = {
    name: 'controllable',
    model: 'steered-1',
    supportsImageToImage: true,
    supportsNegativePrompt: true,
    maxPromptLength: 2000,
    async generate(request, { signal }: CallOptions) {
      calls.push(request);
      if (plan.shift() === 'hold') return untilAborted(signal, () => (aborts += 1));
      const data = await samplePng(64, 96);
      return Array.from({ length: request.n }, (_, index) => ({ data, mime_type: 'image/png' as const, seed: request.seed + index }));
    },
  };
  return {
    provider,
    calls,
    aborts: () => aborts,
    hold(n = 1) {
      for (let i = 0; i < n; i++) plan.push('hold');
    },
    script(...actions: ('ok' | 'hold')[]) {
      plan.push(...actions);
    },
  };
}

/** A text provider whose calls wait on their signal. */
export function waitingTextProvider() {
  let calls = 0;
  let aborts = 0;
  const provider: TextProvider = {
    name: 'waiting-text',
    model: 'waits-1',
    maxPromptLength: 8000,
    generate(_request, { signal }: CallOptions) {
      calls += 1;
      return untilAborted(signal, () => (aborts += 1));
    },
  };
  return { provider, calls: () => calls, aborts: () => aborts };
}

/** An image provider that cannot be reached, failing the way the HTTP adapters report it. */
export const unreachableImageProvider: ImageProvider = {
  name: 'openai',
  model: 'gpt-image-1',
  supportsImageToImage: false,
  supportsNegativePrompt: false,
  maxPromptLength: 4000,
  async generate() {
    throw new ProviderError('openai: the image service at http://127.0.0.1:9 could not be reached (ECONNREFUSED)', true);
  },
};

/** A text provider that cannot be reached. */
export const unreachableTextProvider: TextProvider = {
  name: 'openai',
  model: 'gpt-4o-mini',
  maxPromptLength: 8000,
  async generate() {
    throw new ProviderError('openai: the text service at http://127.0.0.1:9 could not be reached (ECONNREFUSED)', true);
  },
};

/** A real PNG (for uploads used as img2img sources). */
export const samplePng = (width = 96, height = 64) => sharp({ create: { width, height, channels: 3, background: '#446688' } }).png().toBuffer();

/** Uploads a PNG through the images endpoint; returns the image record. */
export async function upload(app: FastifyInstance, user: TestUser, projectId: string, panelId?: string): Promise<Json & { id: string }> {
  const boundary = '----inkframe-test';
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field('project_id', projectId) + (panelId ? field('panel_id', panelId) : '');
  const body = Buffer.concat([
    Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    await samplePng(),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/images/upload',
    headers: { ...user.auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
  return res.json().data;
}
