/**
 * Fake AUTOMATIC1111 webui API: /sdapi/v1/txt2img and /img2img answer { images, parameters,
 * info } (info is a JSON string with all_seeds), FastAPI-style 422 validation errors, a
 * /sdapi/v1/progress that moves while a generation runs, and /sdapi/v1/interrupt that stops it
 * early (the real server then returns what it has).
 */
import { FakeServer, fakePng, sendJson, type RecordedRequest } from './fake-server.js';

export interface FakeA1111Options {
  /** Time per sampling step; generation takes steps x this. */
  stepMs?: number;
  /** Extra time each generation takes before sampling, e.g. a slow GPU (an interrupt cuts it short). */
  delayMs?: number;
}

const INTEGER_FIELDS = ['seed', 'steps', 'width', 'height', 'batch_size', 'n_iter'] as const;

export async function startFakeAutomatic1111(options: FakeA1111Options = {}) {
  // Mutable, so a test can slow the fake down or speed it up between runs.
  const tuning = { stepMs: options.stepMs ?? 2, delayMs: options.delayMs ?? 0 };
  const state = { running: false, step: 0, steps: 0, interrupted: false };

  const server = new FakeServer(async (req: RecordedRequest, res) => {
    if (req.method === 'POST' && (req.path === '/sdapi/v1/txt2img' || req.path === '/sdapi/v1/img2img')) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const detail = INTEGER_FIELDS.filter((field) => body[field] !== undefined && !Number.isInteger(body[field])).map((field) => ({
        loc: ['body', field],
        msg: 'value is not a valid integer',
        type: 'type_error.integer',
      }));
      if (typeof body.prompt !== 'string') detail.push({ loc: ['body', 'prompt'], msg: 'str type expected', type: 'type_error.str' });
      if (req.path === '/sdapi/v1/img2img' && (!Array.isArray(body.init_images) || body.init_images.length === 0)) {
        detail.push({ loc: ['body', 'init_images'], msg: 'field required', type: 'value_error.missing' });
      }
      if (detail.length > 0) return sendJson(res, 422, { detail });
      const width = (body.width as number) ?? 512;
      const height = (body.height as number) ?? 512;
      const batch = (body.batch_size as number) ?? 1;
      const seed = (body.seed as number) ?? -1;
      Object.assign(state, { running: true, step: 0, steps: (body.steps as number) ?? 20, interrupted: false });
      const slowUntil = Date.now() + tuning.delayMs;
      while (Date.now() < slowUntil && !state.interrupted) await new Promise((resolve) => setTimeout(resolve, Math.min(50, slowUntil - Date.now())));
      while (state.step < state.steps && !state.interrupted) {
        await new Promise((resolve) => setTimeout(resolve, tuning.stepMs));
        state.step++;
      }
      state.running = false;
      const images = await Promise.all(Array.from({ length: batch }, (_, i) => fakePng(width, height, seed + i)));
      const { init_images: _omit, ...parameters } = body;
      const info = {
        prompt: body.prompt,
        all_prompts: Array(batch).fill(body.prompt),
        negative_prompt: body.negative_prompt ?? '',
        seed,
        all_seeds: Array.from({ length: batch }, (_, i) => seed + i),
        width,
        height,
        steps: state.steps,
        cfg_scale: body.cfg_scale ?? 7,
        sd_model_name: (body.override_settings as { sd_model_checkpoint?: string } | undefined)?.sd_model_checkpoint ?? 'v1-5-pruned-emaonly',
        index_of_first_image: 0,
        ...(req.path.endsWith('img2img') ? { denoising_strength: body.denoising_strength } : {}),
      };
      return sendJson(res, 200, { images: images.map((png) => png.toString('base64')), parameters, info: JSON.stringify(info) });
    }
    if (req.method === 'GET' && req.path === '/sdapi/v1/progress') {
      const progress = state.running && state.steps > 0 ? state.step / state.steps : 0;
      return sendJson(res, 200, {
        progress,
        eta_relative: state.running ? (state.steps - state.step) * (tuning.stepMs / 1000) : 0,
        state: { skipped: false, interrupted: state.interrupted, job: state.running ? 'txt2img' : '', job_count: state.running ? 1 : 0, sampling_step: state.step, sampling_steps: state.steps },
        current_image: null,
        textinfo: null,
      });
    }
    if (req.method === 'POST' && req.path === '/sdapi/v1/interrupt') {
      if (state.running) state.interrupted = true;
      return sendJson(res, 200, {});
    }
    sendJson(res, 404, { detail: 'Not Found' });
  });
  await server.start();
  return Object.assign(server, { state, tuning });
}
