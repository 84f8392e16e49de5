/**
 * Write cases: durable panel creation (with a check that every acknowledged write is stored,
 * and a SIGKILL in the middle of the load), and deleting chapters of the big project.
 */
import { api, call, summarize } from '../lib/http.js';
import { compareWithRaw, describe, loadMetrics } from '../lib/compare.js';
import { loadOnce } from '../lib/load.js';
import type { ServerProcess } from '../lib/proc.js';
import { panelBody } from '../lib/seed.js';
import { fmt, met, type BenchContext, type CaseResult } from '../lib/report.js';

async function panelTotal(base: string, token: string, sceneIds: string[]): Promise<number> {
  let total = 0;
  for (const id of sceneIds) total += (await api<{ total: number }>(base, 'GET', `/api/v1/scenes/${id}/panels?limit=1`, { token })).total;
  return total;
}

const panelsPath = (sceneId: string) => `/api/v1/scenes/${sceneId}/panels`;

export async function createPanelCase(ctx: BenchContext): Promise<CaseResult[]> {
  const { token, writeSceneIds, writeCharacterId } = ctx.seeded;
  const before = await panelTotal(ctx.server.base, token, writeSceneIds);
  const body = Buffer.from(JSON.stringify(panelBody(7, writeCharacterId)));
  const [first, ...rest] = writeSceneIds.map(panelsPath);
  const c = await compareWithRaw(ctx, { method: 'POST', path: first!, morePaths: rest, body, headers: { 'content-type': 'application/json' } });
  const stored = (await panelTotal(ctx.server.base, token, writeSceneIds)) - before;
  const acknowledged = 1 + (c.app.warmup?.ok2xx ?? 0) + c.app.ok2xx;
  const intact = stored >= acknowledged;
  return [
    {
      id: 'create_panel',
      name: 'POST /scenes/{id}/panels (SQLite synchronous=FULL, 10 conns)',
      target: '>= 1,500/s; no acknowledged write lost',
      result: `${describe(c)}; stored ${stored} of ${acknowledged} acknowledged`,
      status: met(c.app.rps >= 1500 && intact && c.app.non2xx === 0),
      note: `appended to ${writeSceneIds.length} scenes in turn (each stays a realistic length)`,
      metrics: { ...loadMetrics(c), acknowledged, stored },
    },
  ];
}

/** SIGKILL while panels are being written; after a restart every acknowledged panel must be there. */
export async function crashDurabilityCase(ctx: BenchContext, restart: () => Promise<ServerProcess>): Promise<{ rows: CaseResult[]; server: ServerProcess }> {
  const { token, writeSceneIds, writeCharacterId } = ctx.seeded;
  const before = await panelTotal(ctx.server.base, token, writeSceneIds);
  const run = loadOnce({
    url: ctx.server.base,
    paths: writeSceneIds.map(panelsPath),
    seconds: 4,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(panelBody(9, writeCharacterId)),
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await ctx.server.stop('SIGKILL');
  const result = await run;
  const server = await restart();
  const stored = (await panelTotal(server.base, token, writeSceneIds)) - before;
  const acknowledged = result.ok2xx;
  return {
    server,
    rows: [
      {
        id: 'crash_durability',
        name: 'SIGKILL during panel writes, then restart',
        target: 'no acknowledged write lost',
        result: `${acknowledged} acknowledged before the kill, ${stored} stored after restart`,
        status: met(acknowledged > 0 && stored >= acknowledged),
        metrics: { acknowledged, stored },
      },
      {
        id: 'startup_populated',
        name: 'Start-up after the crash (populated database)',
        target: '< 1.5 s',
        result: `${fmt.ms(server.startupMs)} (server CPU ${server.startupCpuMs} ms)`,
        status: met(server.startupMs < 1500),
        metrics: { startup_ms: Math.round(server.startupMs), startup_cpu_ms: server.startupCpuMs },
      },
    ],
  };
}

export async function deleteChapterCase(ctx: BenchContext): Promise<CaseResult[]> {
  const ids = ctx.seeded.bigChapterIds;
  // First, middle and last chapters: deleting the first renumbers the 49 after it.
  const picks = [0, 12, 25, 37, ids.length - 1].map((i) => ids[i]!);
  const times: number[] = [];
  for (const id of picks) {
    const reply = await call(ctx.server.base, 'DELETE', `/api/v1/chapters/${id}`, { token: ctx.seeded.token });
    if (reply.status !== 200) throw new Error(`DELETE chapter answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`);
    times.push(reply.ms);
  }
  const s = summarize(times);
  return [
    {
      id: 'delete_chapter',
      name: 'DELETE /chapters/{id} (20 scenes, 200 panels each)',
      target: '< 50 ms each',
      result: `median ${fmt.ms(s.p50)}, max ${fmt.ms(s.max)} over ${times.length} deletes (${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
      status: met(s.max < 50),
      note: 'first, 13th, 26th, 38th and last chapter',
      metrics: { times_ms: times.map((t) => Number(t.toFixed(2))) },
    },
  ];
}
