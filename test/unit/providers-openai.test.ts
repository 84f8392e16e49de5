import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiImageProvider, createOpenAiTextProvider, openAiImageSize, type OpenAiOptions } from '../../src/adapters/ai/openai.js';
import { ProviderError, type TextRequest } from '../../src/ports/ai-providers.js';
import { TEXT_TASKS } from '../../src/lib/text-tasks.js';
import { startFakeOpenAi, type ChatBody } from '../fakes/openai.js';

const KEY = 'sk-test-0123456789abcdefSECRET';
const fast = { timeoutMs: 2_000, retries: 2, backoffMs: 5, maxBackoffMs: 20 };
const signal = () => new AbortController().signal;

const profile = { role: 'captain', description: 'A harbour captain.', appearance: 'red coat', personality: 'stern', backstory: 'Lost a ship.', traits: ['stern', 'loyal'] };
const bubbles = [{ type: 'speech', character_id: 'c1', text: 'Hold the line!' }];

function replyFor(body: ChatBody, index: number): string {
  const name = body.response_format?.json_schema?.name;
  if (name === 'character_profile') return JSON.stringify(profile);
  if (name === 'dialogue') return JSON.stringify({ result: bubbles });
  return `  Variant ${index} for ${body.messages[1]!.content.slice(0, 10)}  `;
}

describe('openai text provider against the fake server', () => {
  let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
  let options: OpenAiOptions;
  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: KEY, reply: replyFor });
    options = { baseUrl: fake.baseUrl, apiKey: KEY, textModel: 'gpt-4o-mini', imageModel: 'gpt-image-1', http: fast };
  });
  afterAll(() => fake.close());

  const request = (task: string, extra: Partial<TextRequest> = {}): TextRequest => ({
    task,
    system: 'You help a writer.',
    prompt: 'Scene: the docks',
    n: 2,
    seed: 42,
    ...(TEXT_TASKS[task as keyof typeof TEXT_TASKS]?.schema ? { schema: TEXT_TASKS[task as keyof typeof TEXT_TASKS].schema } : {}),
    ...extra,
  });

  it('sends the exact chat completion request with a strict JSON schema and parses the answer', async () => {
    const before = fake.requests.length;
    const out = await createOpenAiTextProvider(options).generate(request('character_profile'), { signal: signal() });
    const [sent] = fake.requests.slice(before);
    expect(sent!.method).toBe('POST');
    expect(sent!.path).toBe('/v1/chat/completions');
    expect(sent!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You help a writer.' },
        { role: 'user', content: 'Scene: the docks' },
      ],
      n: 2,
      seed: 42,
      response_format: { type: 'json_schema', json_schema: { name: 'character_profile', schema: TEXT_TASKS.character_profile.schema, strict: true } },
    });
    expect(out.map((o) => o.content)).toEqual([profile, profile]);
    expect(out[0]!.metadata).toMatchObject({ model: 'gpt-4o-mini-2024-fake', finish_reason: 'stop' });
  });

  it('wraps a non-object schema in { result } for strict mode and unwraps the answer', async () => {
    const before = fake.requests.length;
    const [out] = await createOpenAiTextProvider(options).generate(request('dialogue', { n: 1 }), { signal: signal() });
    const schema = (fake.requests[before]!.body as ChatBody).response_format!.json_schema!.schema;
    expect(schema).toEqual({ type: 'object', properties: { result: TEXT_TASKS.dialogue.schema }, required: ['result'], additionalProperties: false });
    expect(out!.content).toEqual(bubbles);
  });

  it('sends no response_format for plain-text tasks and trims the text', async () => {
    const before = fake.requests.length;
    const out = await createOpenAiTextProvider(options).generate(request('scene_summary'), { signal: signal() });
    expect(fake.requests[before]!.body).not.toHaveProperty('response_format');
    expect(out.map((o) => o.content)).toEqual(['Variant 0 for Scene: the', 'Variant 1 for Scene: the']);
  });

  it('rejects a structured answer that does not match the schema', async () => {
    const bad = await startFakeOpenAi({ reply: () => JSON.stringify({ role: 'captain' }) });
    try {
      const provider = createOpenAiTextProvider({ ...options, baseUrl: bad.baseUrl, apiKey: undefined });
      await expect(provider.generate(request('character_profile', { n: 1 }), { signal: signal() })).rejects.toThrow(/does not match its schema/);
      const notJson = await startFakeOpenAi({ reply: () => 'Sure! Here is the profile:' });
      try {
        await expect(createOpenAiTextProvider({ ...options, baseUrl: notJson.baseUrl, apiKey: undefined }).generate(request('character_profile', { n: 1 }), { signal: signal() })).rejects.toThrow(
          /not valid JSON/,
        );
      } finally {
        await notJson.close();
      }
    } finally {
      await bad.close();
    }
  });

  it('asks again when a server ignores n (Ollama), with the next seed', async () => {
    const ollama = await startFakeOpenAi({ ignoreN: true, reply: (_b, i) => `answer ${i}` });
    try {
      const provider = createOpenAiTextProvider({ ...options, baseUrl: ollama.baseUrl, apiKey: undefined });
      const out = await provider.generate(request('scene_summary', { n: 3, seed: 10 }), { signal: signal() });
      expect(out).toHaveLength(3);
      const bodies = ollama.requests.map((r) => r.body as ChatBody);
      expect(bodies.map((b) => [b.n, b.seed])).toEqual([
        [3, 10],
        [2, 11],
        [1, 12],
      ]);
      // Without a key (Ollama needs none) no Authorization header is sent at all.
      expect(ollama.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    } finally {
      await ollama.close();
    }
  });

  it('retries a 503 and then succeeds', async () => {
    fake.script('POST', '/v1/chat/completions', { status: 503, json: { error: { message: 'overloaded' } } });
    const before = fake.calls('POST', '/v1/chat/completions').length;
    const out = await createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() });
    expect(out).toHaveLength(1);
    expect(fake.calls('POST', '/v1/chat/completions').length - before).toBe(2);
  });

  it('does not retry a 400 and reports the server message', async () => {
    fake.script('POST', '/v1/chat/completions', { status: 400, json: { error: { message: "Invalid schema for response_format 'dialogue'", type: 'invalid_request_error' } } });
    const before = fake.calls('POST', '/v1/chat/completions').length;
    const error = await createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/refused: HTTP 400.*Invalid schema for response_format 'dialogue'/);
    expect((error as ProviderError).retryable).toBe(false);
    expect(fake.calls('POST', '/v1/chat/completions').length - before).toBe(1);
  });

  it('waits a short Retry-After on 429, and gives up at once on a long one', async () => {
    fake.script('POST', '/v1/chat/completions', { status: 429, json: { error: { message: 'Rate limit reached' } }, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    fake.script('POST', '/v1/chat/completions', { status: 429, json: { error: { message: 'Rate limit reached' } }, headers: { 'retry-after': '3600' } });
    const before = fake.calls('POST', '/v1/chat/completions').length;
    const error = (await createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() }).catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toMatch(/HTTP 429.*asked to retry after 3600 s/);
    expect(error.retryable).toBe(true);
    expect(fake.calls('POST', '/v1/chat/completions').length - before).toBe(1);
  });

  it('times out a hanging request without retrying it', async () => {
    fake.script('POST', '/v1/chat/completions', { hang: true });
    const before = fake.calls('POST', '/v1/chat/completions').length;
    const provider = createOpenAiTextProvider({ ...options, http: { ...fast, timeoutMs: 200 } });
    await expect(provider.generate(request('scene_summary', { n: 1 }), { signal: signal() })).rejects.toThrow('OpenAI-compatible server: scene_summary text generation timed out after 200 ms');
    expect(fake.calls('POST', '/v1/chat/completions').length - before).toBe(1);
  });

  it('stops at once when the job is canceled mid-request, and never retries', async () => {
    fake.script('POST', '/v1/chat/completions', { hang: true });
    const before = fake.calls('POST', '/v1/chat/completions').length;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: controller.signal })).rejects.toThrow(/canceled/);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(fake.calls('POST', '/v1/chat/completions').length - before).toBe(1);
  });

  it('turns a malformed answer into a ProviderError', async () => {
    fake.script('POST', '/v1/chat/completions', { json: { object: 'chat.completion', result: 'no choices here' } });
    await expect(createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() })).rejects.toThrow(/unexpected shape/);
    fake.script('POST', '/v1/chat/completions', { text: '<html>Bad gateway</html>' });
    await expect(createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() })).rejects.toThrow(/not JSON/);
  });

  it('never puts the API key in an error message', async () => {
    // A proxy that echoes the whole Authorization header back.
    fake.script('POST', '/v1/chat/completions', { status: 401, json: { error: { message: `Bad header: Bearer ${KEY}` } } });
    const echoed = (await createOpenAiTextProvider(options).generate(request('scene_summary', { n: 1 }), { signal: signal() }).catch((e: unknown) => e)) as Error;
    expect(echoed.message).toMatch(/HTTP 401.*check the API key/);
    expect(echoed.message).not.toContain(KEY);
    expect(echoed.message).not.toContain('0123456789abcdef');

    const wrongKey = 'sk-wrong-key-abcdefghijklmnop';
    const rejected = (await createOpenAiTextProvider({ ...options, apiKey: wrongKey }).generate(request('scene_summary', { n: 1 }), { signal: signal() }).catch((e: unknown) => e)) as Error;
    expect(rejected.message).not.toContain(wrongKey);

    const unreachable = (await createOpenAiTextProvider({ ...options, baseUrl: 'http://127.0.0.1:9/v1', http: { ...fast, retries: 1 } })
      .generate(request('scene_summary', { n: 1 }), { signal: signal() })
      .catch((e: unknown) => e)) as ProviderError;
    expect(unreachable.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
    expect(unreachable.retryable).toBe(true);
    expect(unreachable.message).not.toContain(KEY);
  });
});

describe('openai image provider against the fake server', () => {
  let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: KEY });
  });
  afterAll(() => fake.close());
  const provider = (imageModel: string) => createOpenAiImageProvider({ baseUrl: fake.baseUrl, apiKey: KEY, textModel: '', imageModel, http: fast });
  const image = { prompt: 'A harbour at night', width: 832, height: 1248, seed: 5, n: 2 };

  it('gpt-image-1: one call for n images, a supported size and no response_format', async () => {
    const before = fake.requests.length;
    const out = await provider('gpt-image-1').generate(image, { signal: signal() });
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/v1/images/generations');
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent[0]!.body).toEqual({ model: 'gpt-image-1', prompt: 'A harbour at night', n: 2, size: '1024x1536' });
    expect(out.map((o) => [o.mime_type, o.seed])).toEqual([
      ['image/png', 5],
      ['image/png', 6],
    ]);
    expect(await sharp(out[0]!.data).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1536 });
  });

  it('dall-e-3: one image per call, b64_json requested', async () => {
    const before = fake.requests.length;
    await provider('dall-e-3').generate(image, { signal: signal() });
    const bodies = fake.requests.slice(before).map((r) => r.body);
    expect(bodies).toEqual([
      { model: 'dall-e-3', prompt: 'A harbour at night', n: 1, size: '1024x1792', response_format: 'b64_json' },
      { model: 'dall-e-3', prompt: 'A harbour at night', n: 1, size: '1024x1792', response_format: 'b64_json' },
    ]);
  });

  it('other OpenAI-compatible models get the exact size asked for', async () => {
    const before = fake.requests.length;
    const out = await provider('sdxl-turbo').generate({ ...image, n: 1 }, { signal: signal() });
    expect(fake.requests[before]!.body).toEqual({ model: 'sdxl-turbo', prompt: 'A harbour at night', n: 1, size: '832x1248', response_format: 'b64_json' });
    expect(await sharp(out[0]!.data).metadata()).toMatchObject({ width: 832, height: 1248 });
    expect(openAiImageSize('dall-e-2', 300, 300)).toBe('512x512');
  });

  it('rejects an answer that is not an image', async () => {
    fake.script('POST', '/v1/images/generations', { json: { created: 1, data: [{ b64_json: Buffer.from('not an image').toString('base64') }] } });
    await expect(provider('gpt-image-1').generate({ ...image, n: 1 }, { signal: signal() })).rejects.toThrow(/not a PNG, JPEG or WebP/);
    fake.script('POST', '/v1/images/generations', { json: { created: 1, data: 'nope' } });
    await expect(provider('gpt-image-1').generate({ ...image, n: 1 }, { signal: signal() })).rejects.toThrow(/unexpected shape/);
  });
});
