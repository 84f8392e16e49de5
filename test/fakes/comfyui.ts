/**
 * Fake ComfyUI server: POST /prompt validates the API-format graph like ComfyUI does (known
 * node classes, links to existing nodes, ckpt_name in the checkpoint list, an output node) and
 * honours a client-chosen prompt_id; a one-at-a-time executor sends the real /ws messages to
 * the prompt's client (status, execution_start, executing, progress, executed, executing null,
 * execution_success / execution_error / execution_interrupted); /history, /view, /queue and
 * /interrupt answer as ComfyUI does.
 */
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeServer, fakePng, sendJson, type RecordedRequest } from './fake-server.js';

export interface FakeComfyOptions {
  checkpoints?: string[];
  stepMs?: number;
  /** No /ws endpoint: clients must fall back to polling /history. */
  noWebSocket?: boolean;
}

type Node = { class_type: string; inputs: Record<string, unknown> };
interface QueueItem {
  number: number;
  prompt_id: string;
  prompt: Record<string, Node>;
  extra: { client_id?: string };
  outputs: string[];
}

const CLASSES = new Set(['CheckpointLoaderSimple', 'CLIPTextEncode', 'EmptyLatentImage', 'KSampler', 'VAEDecode', 'SaveImage', 'LoadImage', 'VAEEncode']);
const OUTPUT_CLASSES = new Set(['SaveImage']);

export async function startFakeComfyUi(options: FakeComfyOptions = {}) {
  const checkpoints = options.checkpoints ?? ['sd_xl_base_1.0.safetensors'];
  const stepMs = options.stepMs ?? 2;
  const sockets = new Map<string, WebSocket>();
  const pending: QueueItem[] = [];
  const history: Record<string, unknown> = {};
  const files = new Map<string, Buffer>();
  const control = { hold: false, failNext: undefined as string | undefined, running: undefined as QueueItem | undefined, interrupt: false };
  let number = 0;
  let fileCount = 0;

  const send = (clientId: string | undefined, type: string, data: unknown) => {
    const socket = clientId ? sockets.get(clientId) : undefined;
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type, data }));
  };
  const queueInfo = () => ({ exec_info: { queue_remaining: pending.length + (control.running ? 1 : 0) } });

  async function execute(item: QueueItem): Promise<void> {
    const id = item.prompt_id;
    const client = item.extra.client_id;
    const messages: [string, unknown][] = [];
    const event = (type: string, data: Record<string, unknown>) => {
      const full = { ...data, prompt_id: id };
      if (['execution_start', 'execution_cached', 'execution_success', 'execution_error', 'execution_interrupted'].includes(type)) messages.push([type, { ...full, timestamp: Date.now() }]);
      send(client, type, full);
    };
    const finish = (status: 'success' | 'error', outputs: Record<string, unknown>) => {
      history[id] = { prompt: [item.number, id, item.prompt, item.extra, item.outputs], outputs, status: { status_str: status, completed: status === 'success', messages }, meta: {} };
    };
    event('execution_start', {});
    event('execution_cached', { nodes: [] });
    const outputs: Record<string, unknown> = {};
    for (const [nodeId, node] of Object.entries(item.prompt)) {
      event('executing', { node: nodeId, display_node: nodeId });
      if (node.class_type === 'KSampler') {
        const steps = Number(node.inputs.steps ?? 20);
        for (let step = 1; step <= steps; step++) {
          await new Promise((resolve) => setTimeout(resolve, stepMs));
          if (control.interrupt) {
            event('execution_interrupted', { node_id: nodeId, node_type: node.class_type, executed: [] });
            return finish('error', {});
          }
          event('progress', { value: step, max: steps, node: nodeId });
        }
        if (control.failNext) {
          const message = control.failNext;
          control.failNext = undefined;
          event('execution_error', { node_id: nodeId, node_type: 'KSampler', executed: [], exception_message: message, exception_type: 'torch.OutOfMemoryError', traceback: ['...'], current_inputs: {}, current_outputs: {} });
          return finish('error', {});
        }
      }
      if (node.class_type === 'SaveImage') {
        const latent = Object.values(item.prompt).find((n) => n.class_type === 'EmptyLatentImage')!.inputs as { width: number; height: number; batch_size: number };
        const images = [];
        for (let i = 0; i < latent.batch_size; i++) {
          const filename = `${node.inputs.filename_prefix}_${String(++fileCount).padStart(5, '0')}_.png`;
          files.set(filename, await fakePng(latent.width, latent.height, fileCount));
          images.push({ filename, subfolder: '', type: 'output' });
        }
        outputs[nodeId] = { images };
        event('executed', { node: nodeId, display_node: nodeId, output: { images } });
      }
    }
    finish('success', outputs);
    event('executing', { node: null });
    event('execution_success', {});
  }

  async function pump(): Promise<void> {
    while (!control.hold && !control.running && pending.length > 0) {
      const item = pending.shift()!;
      control.running = item;
      control.interrupt = false;
      await execute(item);
      control.running = undefined;
      for (const socket of sockets.values()) socket.send(JSON.stringify({ type: 'status', data: { status: queueInfo() } }));
    }
  }

  function validate(prompt: unknown): { error: unknown; node_errors: Record<string, unknown> } | undefined {
    if (!prompt || typeof prompt !== 'object') return { error: { type: 'invalid_prompt', message: 'Cannot execute because the prompt is not an object', details: '', extra_info: {} }, node_errors: {} };
    const nodes = prompt as Record<string, Node>;
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(nodes)) {
      if (!node || !CLASSES.has(node.class_type)) {
        return { error: { type: 'invalid_prompt', message: `Cannot execute because node ${node?.class_type} does not exist.`, details: `Node ID '#${id}'`, extra_info: {} }, node_errors: {} };
      }
      for (const [input, value] of Object.entries(node.inputs ?? {})) {
        if (Array.isArray(value) && (typeof value[0] !== 'string' || !nodes[value[0]])) {
          nodeErrors[id] = { errors: [{ type: 'bad_linked_input', message: 'Bad linked input', details: `${input}: link to missing node`, extra_info: {} }], dependent_outputs: [], class_type: node.class_type };
        }
      }
      if (node.class_type === 'CheckpointLoaderSimple' && !checkpoints.includes(String(node.inputs.ckpt_name))) {
        nodeErrors[id] = {
          errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: `ckpt_name: '${node.inputs.ckpt_name}' not in ${JSON.stringify(checkpoints)}`, extra_info: { input_name: 'ckpt_name' } }],
          dependent_outputs: Object.entries(nodes).filter(([, n]) => OUTPUT_CLASSES.has(n.class_type)).map(([k]) => k),
          class_type: node.class_type,
        };
      }
    }
    if (!Object.values(nodes).some((n) => OUTPUT_CLASSES.has(n.class_type))) {
      return { error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, node_errors: {} };
    }
    if (Object.keys(nodeErrors).length > 0) return { error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} }, node_errors: nodeErrors };
    return undefined;
  }

  const server = new FakeServer(async (req: RecordedRequest, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === 'POST' && req.path === '/prompt') {
      if (!('prompt' in body)) return sendJson(res, 400, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
      const invalid = validate(body.prompt);
      if (invalid) return sendJson(res, 400, invalid);
      const item: QueueItem = {
        number: number++,
        prompt_id: typeof body.prompt_id === 'string' ? body.prompt_id : randomUUID(),
        prompt: body.prompt as Record<string, Node>,
        extra: typeof body.client_id === 'string' ? { client_id: body.client_id } : {},
        outputs: ['9'],
      };
      pending.push(item);
      setImmediate(() => void pump());
      return sendJson(res, 200, { prompt_id: item.prompt_id, number: item.number, node_errors: {} });
    }
    if (req.method === 'GET' && req.path.startsWith('/history/')) {
      const id = decodeURIComponent(req.path.slice('/history/'.length));
      return sendJson(res, 200, history[id] ? { [id]: history[id] } : {});
    }
    if (req.method === 'GET' && req.path === '/view') {
      const file = files.get(req.query.filename ?? '');
      if (!file || (req.query.type ?? 'output') !== 'output') return sendJson(res, 404, {});
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(file.length) });
      return void res.end(file);
    }
    const tuple = (item: QueueItem) => [item.number, item.prompt_id, item.prompt, item.extra, item.outputs];
    if (req.method === 'GET' && req.path === '/queue') return sendJson(res, 200, { queue_running: control.running ? [tuple(control.running)] : [], queue_pending: pending.map(tuple) });
    if (req.method === 'POST' && req.path === '/queue') {
      for (const id of (body.delete as string[] | undefined) ?? []) {
        const at = pending.findIndex((item) => item.prompt_id === id);
        if (at >= 0) pending.splice(at, 1);
      }
      if (body.clear) pending.length = 0;
      res.writeHead(200);
      return void res.end();
    }
    if (req.method === 'POST' && req.path === '/interrupt') {
      // Targeted interrupt (newer ComfyUI): only when that prompt is the one running.
      const target = typeof body.prompt_id === 'string' ? body.prompt_id : undefined;
      if (control.running && (!target || control.running.prompt_id === target)) control.interrupt = true;
      res.writeHead(200);
      return void res.end();
    }
    sendJson(res, 404, {});
  });

  if (!options.noWebSocket) {
    const wss = new WebSocketServer({ server: server.server, path: '/ws' });
    wss.on('connection', (socket, req) => {
      const sid = new URL(req.url ?? '/', 'http://fake').searchParams.get('clientId') || randomUUID().replace(/-/g, '');
      sockets.set(sid, socket);
      socket.on('close', () => sockets.delete(sid));
      socket.send(JSON.stringify({ type: 'status', data: { status: queueInfo(), sid } }));
    });
    const close = server.close.bind(server);
    server.close = async () => {
      for (const socket of sockets.values()) socket.terminate();
      wss.close();
      await close();
    };
  }

  await server.start();
  return Object.assign(server, {
    control,
    sockets,
    history,
    /** Lets held prompts run. */
    release() {
      control.hold = false;
      void pump();
    },
  });
}
