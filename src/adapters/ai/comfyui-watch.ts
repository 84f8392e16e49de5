/**
 * Following one ComfyUI prompt to its end: the /ws?clientId= socket reports `progress`,
 * `executing` (node null = done, on older servers), `execution_success`, `execution_error` and
 * `execution_interrupted`; /history/{prompt_id} is polled as well (slowly while the socket is
 * up, every interval without one), so a dropped socket or a missed message never hangs a job.
 */
import { Type } from '@sinclair/typebox';
import WebSocket from 'ws';
import { ProviderError, type ProgressReport } from '../../ports/ai-providers.js';
import { duration, shape, type HttpClient } from './http.js';

export const PROVIDER = 'ComfyUI';

const ImageRef = Type.Object({ filename: Type.String(), subfolder: Type.Optional(Type.String()), type: Type.Optional(Type.String()) });
const HistoryEntry = Type.Object({
  outputs: Type.Optional(Type.Record(Type.String(), Type.Object({ images: Type.Optional(Type.Array(ImageRef)) }))),
  status: Type.Optional(
    Type.Object({
      status_str: Type.Optional(Type.String()),
      completed: Type.Optional(Type.Boolean()),
      messages: Type.Optional(Type.Array(Type.Unknown())),
    }),
  ),
});
export const HistoryResponse = Type.Record(Type.String(), HistoryEntry);
export type HistoryEntry = (typeof HistoryEntry)['static'];
export type ImageRef = (typeof ImageRef)['static'];

/** Opens the socket, or gives null when the server has none (progress then comes from polling only). */
export function connectSocket(url: string, timeoutMs: number): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    socket.on('error', () => resolve(null));
    socket.once('close', () => resolve(null));
    socket.once('open', () => resolve(socket));
  });
}

export interface WatchOptions {
  http: HttpClient;
  socket: WebSocket | null;
  promptIds: Set<string>;
  signal: AbortSignal;
  pollIntervalMs: number;
  timeoutMs: number;
  onProgress?: (report: ProgressReport) => void;
}

interface WsMessage {
  type?: string;
  data?: { prompt_id?: string; node?: string | null; value?: number; max?: number; exception_message?: string; exception_type?: string; node_type?: string };
}

/** Listens from the moment it is called; `done` settles when the prompt finished (or failed, or was canceled). */
export function watchPrompt(options: WatchOptions): { done: Promise<HistoryEntry>; stop: () => void } {
  const { http, socket, promptIds, signal } = options;
  let settled = false;
  let socketUp = socket !== null;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone!: (entry: HistoryEntry) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<HistoryEntry>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);

  const deadline = setTimeout(() => fail(new ProviderError(`${PROVIDER}: the prompt did not finish within ${duration(options.timeoutMs)}`, true)), options.timeoutMs);
  const onAbort = () => fail(new ProviderError(`${PROVIDER}: generation canceled`));
  signal.addEventListener('abort', onAbort, { once: true });

  function stop(): void {
    settled = true;
    clearTimeout(timer);
    clearTimeout(deadline);
    signal.removeEventListener('abort', onAbort);
    socket?.off('message', onMessage);
  }
  function fail(error: Error): void {
    if (settled) return;
    stop();
    rejectDone(error);
  }
  async function finish(): Promise<void> {
    // The outputs live in /history; the socket only says that they are there.
    const entry = await readHistory();
    if (settled) return;
    if (entry?.status?.completed || entry?.outputs) {
      stop();
      resolveDone(entry);
    } else schedule(options.pollIntervalMs);
  }

  async function readHistory(): Promise<HistoryEntry | undefined> {
    for (const id of promptIds) {
      try {
        const history = await http.json({ method: 'GET', path: `/history/${encodeURIComponent(id)}`, signal, what: 'history', retry: false }, shape(HistoryResponse));
        if (history[id]) return history[id];
      } catch (error) {
        if (signal.aborted) return undefined;
        if (error instanceof ProviderError && !error.retryable) throw error;
      }
    }
    return undefined;
  }

  async function poll(): Promise<void> {
    if (settled) return;
    try {
      const entry = await readHistory();
      if (settled) return;
      if (entry?.status?.status_str === 'error') return fail(new ProviderError(`${PROVIDER}: ${errorOf(entry.status.messages)}`));
      if (entry?.status?.completed) {
        stop();
        return resolveDone(entry);
      }
    } catch (error) {
      return fail(error as Error);
    }
    schedule(socketUp ? options.pollIntervalMs * 5 : options.pollIntervalMs);
  }
  function schedule(ms: number): void {
    clearTimeout(timer);
    if (!settled) timer = setTimeout(() => void poll(), ms);
  }

  function onMessage(raw: WebSocket.RawData, binary: boolean): void {
    if (binary || settled) return;
    let message: WsMessage;
    try {
      message = JSON.parse(raw.toString()) as WsMessage;
    } catch {
      return;
    }
    const data = message.data ?? {};
    if (!data.prompt_id || !promptIds.has(data.prompt_id)) return;
    switch (message.type) {
      case 'progress':
        if (typeof data.value === 'number' && typeof data.max === 'number' && data.max > 0) options.onProgress?.({ progress: Math.min(0.95, (data.value / data.max) * 0.95), message: `step ${data.value} of ${data.max}` });
        break;
      case 'executing':
        if (data.node === null) void finish();
        break;
      case 'execution_success':
        void finish();
        break;
      case 'execution_error':
        fail(new ProviderError(`${PROVIDER}: ${data.node_type ? `${data.node_type} failed: ` : ''}${data.exception_type ? `${data.exception_type}: ` : ''}${(data.exception_message ?? 'execution error').trim().slice(0, 500)}`));
        break;
      case 'execution_interrupted':
        fail(new ProviderError(`${PROVIDER}: the prompt was interrupted on the server`));
        break;
    }
  }

  socket?.on('message', onMessage);
  socket?.once('close', () => {
    socketUp = false;
    schedule(options.pollIntervalMs);
  });
  schedule(socketUp ? options.pollIntervalMs * 5 : options.pollIntervalMs);
  if (signal.aborted) onAbort();
  return { done, stop };
}

function errorOf(messages: unknown[] | undefined): string {
  for (const message of messages ?? []) {
    if (Array.isArray(message) && message[0] === 'execution_error' && message[1] && typeof message[1] === 'object') {
      const data = message[1] as { exception_message?: string; node_type?: string };
      return `${data.node_type ? `${data.node_type} failed: ` : ''}${(data.exception_message ?? 'execution error').trim().slice(0, 500)}`;
    }
    if (Array.isArray(message) && message[0] === 'execution_interrupted') return 'the prompt was interrupted on the server';
  }
  return 'the prompt failed';
}
