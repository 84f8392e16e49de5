/** The read cases: GET a project, a page of panels in the 10,000-panel project, and its stats. */
import { api, call, sequentialLatency, summarize } from '../lib/http.js';
import { compareWithRaw, describe, loadMetrics } from '../lib/compare.js';
import { fmt, met, skipped, MB, type BenchContext, type CaseResult } from '../lib/report.js';

export async function getProjectCase(ctx: BenchContext): Promise<CaseResult[]> {
  const path = `/api/v1/projects/${ctx.seeded.smallProjectId}`;
  const c = await compareWithRaw(ctx, { path, floor: true });
  const ok = c.ratio >= 0.6 && c.app.p99 < 10 && c.app.non2xx === 0;
  return [
    {
      id: 'get_project',
      name: 'GET /projects/{id} (authenticated, 10 conns)',
      target: '>= 0.6 of raw; p99 < 10 ms',
      result: describe(c),
      status: met(ok),
      metrics: loadMetrics(c),
    },
    {
      id: 'rss_get_load',
      name: 'RSS under the GET load',
      target: '< 300 MB',
      result: fmt.mb(c.peakRss),
      status: met(c.peakRss < 300 * MB),
      metrics: { peak_rss_mb: Math.round(c.peakRss / MB) },
    },
  ];
}

export async function listPanelsCase(ctx: BenchContext): Promise<CaseResult[]> {
  const path = `/api/v1/scenes/${ctx.seeded.listSceneId}/panels?limit=20`;
  const c = await compareWithRaw(ctx, { path, floor: true });
  return [
    {
      id: 'list_panels',
      name: 'GET /scenes/{id}/panels?limit=20 (10,000-panel project, 10 conns)',
      target: '>= 0.5 of raw; < 50 ms (issue 3)',
      result: describe(c),
      status: met(c.ratio >= 0.5 && c.app.p99 < 50 && c.app.non2xx === 0),
      metrics: loadMetrics(c),
    },
  ];
}

export async function statsCase(ctx: BenchContext): Promise<CaseResult[]> {
  const path = `/api/v1/projects/${ctx.seeded.bigProjectId}/stats`;
  if (!ctx.paths.has('/api/v1/projects/{project_id}/stats')) return [skipped('stats', 'GET /projects/{id}/stats', '< 20 ms p99', 'endpoint missing')];
  const { token } = ctx.seeded;
  // Stats are cached until the project changes, so the cost that matters is the first read after
  // a change: each sample edits the project (untimed), then times one stats request.
  const cold: number[] = [];
  for (let i = 0; i < 30; i++) {
    await api(ctx.server.base, 'PUT', `/api/v1/projects/${ctx.seeded.bigProjectId}`, { token, json: { description: `stats sample ${i}` } });
    const reply = await call(ctx.server.base, 'GET', path, { token });
    if (reply.status !== 200) throw new Error(`stats answered ${reply.status}`);
    cold.push(reply.ms);
  }
  const uncached = summarize(cold);
  // Then repeated reads, one at a time, and the throughput under 10 connections.
  const single = await sequentialLatency(ctx.server.base, path, token, Math.min(ctx.seconds, 4), 2000);
  const c = await compareWithRaw(ctx, { path });
  return [
    {
      id: 'stats_uncached',
      name: 'GET /projects/{id}/stats after a change (10,000 panels, uncached)',
      target: '< 20 ms p99 (issue 3: < 50 ms)',
      result: `p50 ${fmt.ms(uncached.p50)}, p99 ${fmt.ms(uncached.p99)}, max ${fmt.ms(uncached.max)} (${uncached.n} samples, each after a PUT of the project)`,
      status: met(uncached.p99 < 20),
      metrics: { uncached },
    },
    {
      id: 'stats',
      name: 'GET /projects/{id}/stats repeated (cached), 1 conn',
      target: '< 20 ms p99',
      result: `p50 ${fmt.ms(single.p50)}, p99 ${fmt.ms(single.p99)} (${single.n} requests); 10 conns: ${describe(c)}`,
      status: met(single.p99 < 20 && single.failures === 0),
      metrics: { single, ...loadMetrics(c) },
    },
  ];
}
