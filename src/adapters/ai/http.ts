/**
 * The one way AI adapters talk HTTP: every call gets a timeout combined with the job's signal,
 * bounded retries with exponential backoff and jitter on 429 / 5xx / network errors (never once
 * the job was canceled; Retry-After honoured when it is short), a size-limited body read, a shape
 * check before anything is used, and failures turned into ProviderError messages that name the
 * provider and the server's own explanation, with every secret scrubbed out.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ProviderError } from '../../ports/ai-providers.js';

export interface HttpClientOptions {
  /** Name used in messages, e.g. "OpenAI". */
  provider: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Values never allowed into a message (API keys). */
  secrets?: readonly string[];
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first. */
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails (retryable) instead. */
  maxRetryAfterMs?: number;
  maxResponseBytes?: number;
  random?: () => number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Appended to baseUrl as is (baseUrl may carry a path such as /v1). */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  body?: { data: Blob | FormData | string; contentType?: string };
  /** The job's signal: cancel aborts the request and stops retrying. */
  signal: AbortSignal;
  /** What the call does, for messages: "image generation". */
  what: string;
  timeoutMs?: number;
  /** Off for requests that must not run twice. */
  retry?: boolean;
}

export interface HttpClient {
  json<T>(request: HttpRequest, check: (body: unknown) => body is T): Promise<T>;
  bytes(request: HttpRequest): Promise<{ data: Buffer; contentType: string }>;
  /** For calls whose answer carries nothing (interrupt, queue delete). */
  send(request: HttpRequest): Promise<void>;
  readonly origin: string;
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const {
    provider,
    timeoutMs = 120_000,
    retries = 2,
    backoffMs = 500,
    maxBackoffMs = 8_000,
    maxRetryAfterMs = 20_000,
    maxResponseBytes = 64 * 1024 * 1024,
    random = Math.random,
  } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const origin = safeOrigin(base);
  const scrub = (text: string) => redact(text, options.secrets ?? []);
  const fail = (message: string, retryable = false) => new ProviderError(scrub(`${provider}: ${message}`), retryable);

  async function attempt(request: HttpRequest): Promise<{ response: Response } | { error: ProviderError; again: boolean }> {
    const limit = request.timeoutMs ?? timeoutMs;
    const timeout = AbortSignal.timeout(limit);
    const url = new URL(base + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { accept: 'application/json, image/*;q=0.9, */*;q=0.5', ...options.headers };
    let body: string | Blob | FormData | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.body) {
      if (request.body.contentType) headers['content-type'] = request.body.contentType;
      body = request.body.data;
    }
    try {
      return { response: await fetch(url, { method: request.method, headers, body, signal: AbortSignal.any([request.signal, timeout]), redirect: 'error' }) };
    } catch (error) {
      if (request.signal.aborted) return { error: fail(`${request.what} canceled`), again: false };
      // A timed-out generation may still be running on the server: asking again would double the work.
      if (timeout.aborted) return { error: fail(`${request.what} timed out after ${duration(limit)}`, true), again: false };
      return { error: fail(`cannot reach ${origin} for ${request.what} (${networkReason(error)})`, true), again: true };
    }
  }

  async function run(request: HttpRequest): Promise<Response> {
    const attempts = request.retry === false ? 1 : retries + 1;
    for (let index = 0; ; index++) {
      const last = index === attempts - 1;
      const outcome = await attempt(request);
      if ('error' in outcome) {
        if (!outcome.again || last) throw outcome.error;
        await pause(backoff(index), request);
        continue;
      }
      const { response } = outcome;
      if (response.ok) return response;
      const detail = await errorDetail(response, request.signal);
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      if (!RETRY_STATUS.has(response.status)) {
        const hint = response.status === 401 || response.status === 403 ? ' (check the API key / credentials)' : '';
        throw fail(`${request.what} was refused: ${status}${hint}${detail ? `: ${detail}` : ''}`);
      }
      const wait = retryAfter(response.headers.get('retry-after'));
      if (last || (wait !== undefined && wait > maxRetryAfterMs)) {
        const tries = index + 1;
        const later = wait !== undefined && wait > maxRetryAfterMs ? ` (asked to retry after ${Math.ceil(wait / 1000)} s)` : '';
        throw fail(`${request.what} failed: ${status} after ${tries} attempt${tries === 1 ? '' : 's'}${later}${detail ? `: ${detail}` : ''}`, true);
      }
      await pause(wait ?? backoff(index), request);
    }
  }

  function backoff(index: number): number {
    const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** index);
    return ceiling / 2 + random() * (ceiling / 2);
  }

  async function pause(ms: number, request: HttpRequest): Promise<void> {
    if (request.signal.aborted) throw fail(`${request.what} canceled`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        request.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(fail(`${request.what} canceled`));
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function readBody(response: Response, request: HttpRequest): Promise<Buffer> {
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxResponseBytes) throw fail(`${request.what} answer is too large (${declared} bytes)`);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body ?? []) {
        size += chunk.byteLength;
        if (size > maxResponseBytes) throw fail(`${request.what} answer is larger than ${maxResponseBytes} bytes`);
        chunks.push(Buffer.from(chunk));
      }
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      if (request.signal.aborted) throw fail(`${request.what} canceled`);
      throw fail(`${request.what} answer was cut off (${networkReason(error)})`, true);
    }
    return Buffer.concat(chunks);
  }

  return {
    origin,
    async json<T>(request: HttpRequest, check: (body: unknown) => body is T): Promise<T> {
      const response = await run(request);
      const raw = await readBody(response, request);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw fail(`${request.what} answer is not JSON: ${snippet(raw.toString('utf8'))}`);
      }
      if (!check(body)) throw fail(`${request.what} answer has an unexpected shape: ${snippet(JSON.stringify(body))}`);
      return body;
    },
    async bytes(request: HttpRequest) {
      const response = await run(request);
      return { data: await readBody(response, request), contentType: response.headers.get('content-type') ?? '' };
    },
    async send(request: HttpRequest) {
      const response = await run(request);
      await readBody(response, request);
    },
  };
}

/** "250 ms", "30 s", "15 min" for messages. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Seconds or an HTTP date -> milliseconds; undefined when absent or unreadable. */
export function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The server's own explanation from common error shapes (OpenAI, FastAPI, ComfyUI), shortened. */
async function errorDetail(response: Response, signal: AbortSignal): Promise<string> {
  let text: string;
  try {
    text = signal.aborted ? '' : (await response.text()).slice(0, 4000);
  } catch {
    return '';
  }
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const pick = (value: unknown): string | undefined => {
      if (typeof value === 'string') return value;
      if (Array.isArray(value)) return value.map(pick).filter(Boolean).join('; ') || undefined;
      if (value && typeof value === 'object') {
        const o = value as Record<string, unknown>;
        return pick(o.message) ?? pick(o.msg) ?? pick(o.details) ?? pick(o.detail) ?? pick(o.error);
      }
      return undefined;
    };
    const main = pick(body.error) ?? pick(body.detail) ?? pick(body.message) ?? text;
    return snippet([main, ...nodeErrors(body.node_errors)].join('; '));
  } catch {
    return snippet(text);
  }
}

/** ComfyUI explains a rejected workflow per node: "CheckpointLoaderSimple: ckpt_name: 'x' not in [...]". */
function nodeErrors(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.values(value as Record<string, { class_type?: string; errors?: { message?: string; details?: string }[] }>)
    .flatMap((node) => (node?.errors ?? []).map((e) => `${node.class_type ? `${node.class_type}: ` : ''}${e.details || e.message || 'invalid'}`))
    .slice(0, 3);
}

function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error';
}

/** Scheme, host and port only: credentials or a query in a URL never reach a message. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out.replace(/(Bearer\s+)[\w.\-~+/]+=*/gi, '$1***').replace(/\b(sk-[\w-]{6})[\w-]+/g, '$1***');
}

/** A response check from a TypeBox schema (extra fields allowed: servers add their own). */
export function shape<T extends TSchema>(schema: T): (body: unknown) => body is Static<T> {
  return (body: unknown): body is Static<T> => Value.Check(schema, body);
}

/** Which image format the bytes are, from their signature; undefined when none we accept. */
export function imageMime(data: Buffer): 'image/png' | 'image/jpeg' | 'image/webp' | undefined {
  if (data.length > 8 && data.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length > 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
