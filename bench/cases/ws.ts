/**
 * WebSocket fan-out: 1,000 sockets on one project; each update is a PUT of the project, and
 * the latency of a delivery is its arrival time minus the time the PUT's HTTP response was
 * complete (an arrival before the response counts as 0).
 */
import WebSocket from 'ws';
import { call, pool, summarize } from '../lib/http.js';
import { memoryOf } from '../lib/proc.js';
import { fmt, met, skipped, MB, type BenchContext, type CaseResult } from '../lib/report.js';

const SOCKETS = 1000;
const UPDATES = 20;

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
}

export async function wsFanoutCase(ctx: BenchContext): Promise<CaseResult[]> {
  const name = `WebSocket fan-out to ${SOCKETS.toLocaleString('en-US')} sockets`;
  const projectId = ctx.seeded.smallProjectId;
  const url = `${ctx.server.base.replace('http', 'ws')}/api/v1/ws/${projectId}?token=${ctx.seeded.token}`;
  try {
    (await connect(url)).close();
  } catch (error) {
    return [skipped('ws_fanout', name, '200 ms p99', `gateway not available: ${(error as Error).message}`)];
  }

  const sockets: WebSocket[] = [];
  // version -> arrival times of that update's content_update frames
  const arrivals = new Map<number, number[]>();
  const connectStarted = performance.now();
  await pool(Array.from({ length: SOCKETS }, (_, i) => i), 50, async () => {
    const socket = await connect(url);
    socket.on('message', (raw: Buffer) => {
      const at = performance.now();
      const frame = JSON.parse(raw.toString()) as { type: string; data?: { resource?: string; id?: string; version?: number } };
      if (frame.type !== 'content_update' || frame.data?.resource !== 'project' || frame.data.id !== projectId) return;
      arrivals.get(frame.data.version ?? -1)?.push(at);
    });
    sockets.push(socket);
  });
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const rssWithSockets = (await memoryOf(ctx.server.pid)).rss;

  const afterResponse: number[] = [];
  const afterRequest: number[] = [];
  let lost = 0;
  try {
    let version = (JSON.parse((await call(ctx.server.base, 'GET', `/api/v1/projects/${projectId}`, { token: ctx.seeded.token })).body.toString()) as { data: { version: number } }).data.version;
    for (let u = 0; u < UPDATES; u++) {
      const expected = version + 1;
      const got: number[] = [];
      arrivals.set(expected, got);
      const sent = performance.now();
      const reply = await call(ctx.server.base, 'PUT', `/api/v1/projects/${projectId}`, { token: ctx.seeded.token, json: { description: `fan-out ${u}` } });
      const answered = performance.now();
      if (reply.status !== 200) throw new Error(`PUT project answered ${reply.status}`);
      version = (JSON.parse(reply.body.toString()) as { data: { version: number } }).data.version;
      if (version !== expected) arrivals.set(version, got);
      const deadline = answered + 2000;
      while (got.length < SOCKETS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      lost += SOCKETS - got.length;
      for (const at of got) {
        afterResponse.push(Math.max(0, at - answered));
        afterRequest.push(at - sent);
      }
      arrivals.delete(version);
    }
  } finally {
    for (const socket of sockets) socket.terminate();
  }
  const s = summarize(afterResponse);
  const fromRequest = summarize(afterRequest);
  return [
    {
      id: 'ws_fanout',
      name,
      target: 'content_update within 200 ms p99 of the HTTP response',
      result:
        s.max === 0
          ? `every delivery arrived before the PUT's response was complete; from sending the PUT: p50 ${fmt.ms(fromRequest.p50)}, p99 ${fmt.ms(fromRequest.p99)}; ${s.n} deliveries, ${lost} lost`
          : `after the response: p50 ${fmt.ms(s.p50)}, p99 ${fmt.ms(s.p99)}, max ${fmt.ms(s.max)} (from sending the PUT: p99 ${fmt.ms(fromRequest.p99)}); ${s.n} deliveries, ${lost} lost`,
      status: met(s.p99 < 200 && lost === 0),
      note: `${UPDATES} updates; ${SOCKETS} sockets connected in ${connectSeconds.toFixed(1)} s; server RSS with them ${fmt.mb(rssWithSockets)}`,
      metrics: { after_response: s, after_request: fromRequest, lost, connect_seconds: connectSeconds, rss_with_sockets_mb: Math.round(rssWithSockets / MB) },
    },
  ];
}
