/**
 * Fake OpenAI-compatible server (paths under /v1): chat completions and image generations with
 * the real response shapes, the real error envelope ({ error: { message, type, code } }), the
 * real 401 for a wrong key and the real 400 for `response_format` sent to a gpt-image model.
 */
import { FakeServer, fakePng, sendJson, type RecordedRequest } from './fake-server.js';

export interface FakeOpenAiOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Like Ollama: always one choice, whatever `n` asked for. */
  ignoreN?: boolean;
  /** The assistant's message content for choice `index` of a request. */
  reply?: (body: ChatBody, index: number) => string;
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  n?: number;
  seed?: number;
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
}

const invalid = (message: string, param: string | null = null) => ({ error: { message, type: 'invalid_request_error', param, code: null } });

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}) {
  let sequence = 0;
  const server = new FakeServer(async (req: RecordedRequest, res) => {
    if (options.apiKey !== undefined) {
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${options.apiKey}`) {
        // OpenAI echoes a masked key in this message; the adapter must still never repeat a key.
        const shown = (auth ?? '').replace(/^Bearer\s+/, '');
        return sendJson(res, 401, { error: { message: `Incorrect API key provided: ${shown.slice(0, 3)}***${shown.slice(-4)}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      }
    }
    if (req.method === 'POST' && req.path === '/v1/chat/completions') {
      const body = req.body as ChatBody;
      if (typeof body?.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) return sendJson(res, 400, invalid("'messages' is a required property", 'messages'));
      if (body.messages.some((m) => typeof m.role !== 'string' || typeof m.content !== 'string')) return sendJson(res, 400, invalid('Invalid message', 'messages'));
      if (body.n !== undefined && (!Number.isInteger(body.n) || body.n < 1 || body.n > 128)) return sendJson(res, 400, invalid('Invalid n', 'n'));
      const rf = body.response_format;
      if (rf && (rf.type !== 'json_schema' || !rf.json_schema?.name || typeof rf.json_schema.schema !== 'object')) return sendJson(res, 400, invalid('Invalid response_format', 'response_format'));
      const count = options.ignoreN ? 1 : (body.n ?? 1);
      const reply = options.reply ?? ((b: ChatBody) => (b.response_format ? '{}' : `Echo: ${b.messages[b.messages.length - 1]!.content.slice(0, 40)}`));
      const choices = Array.from({ length: count }, (_, index) => ({ index, message: { role: 'assistant', content: reply(body, index), refusal: null }, logprobs: null, finish_reason: 'stop' }));
      return sendJson(res, 200, {
        id: `chatcmpl-fake${++sequence}`,
        object: 'chat.completion',
        created: 1_700_000_000 + sequence,
        model: `${body.model}-2024-fake`,
        choices,
        usage: { prompt_tokens: 42, completion_tokens: 7 * count, total_tokens: 42 + 7 * count },
        system_fingerprint: 'fp_fake',
      });
    }
    if (req.method === 'POST' && req.path === '/v1/images/generations') {
      const body = req.body as { model?: string; prompt?: unknown; n?: number; size?: string; response_format?: string };
      if (typeof body?.prompt !== 'string' || body.prompt === '') return sendJson(res, 400, invalid("'prompt' is a required property", 'prompt'));
      const model = body.model ?? 'dall-e-2';
      if (model.startsWith('gpt-image') && body.response_format !== undefined) return sendJson(res, 400, invalid("Unknown parameter: 'response_format'.", 'response_format'));
      if (model === 'dall-e-3' && (body.n ?? 1) !== 1) return sendJson(res, 400, invalid('You must provide n=1 for this model.', 'n'));
      const match = /^(\d+)x(\d+)$/.exec(body.size ?? '1024x1024');
      if (!match) return sendJson(res, 400, invalid('Invalid size', 'size'));
      const [width, height] = [Number(match[1]), Number(match[2])];
      const data = await Promise.all(
        Array.from({ length: body.n ?? 1 }, async (_, index) => ({ b64_json: (await fakePng(width, height, ++sequence + index)).toString('base64'), revised_prompt: body.prompt })),
      );
      return sendJson(res, 200, { created: 1_700_000_000 + sequence, data, ...(model.startsWith('gpt-image') ? { usage: { total_tokens: 100, input_tokens: 50, output_tokens: 50 } } : {}) });
    }
    sendJson(res, 404, invalid(`Invalid URL (${req.method} ${req.path})`));
  });
  await server.start();
  return Object.assign(server, { baseUrl: `${server.url}/v1` });
}
