/** Export of the 10,000-panel project: time to the last byte and the server's RSS growth. */
import { call, summarize } from '../lib/http.js';
import { measurePeak } from '../lib/proc.js';
import { fmt, met, skipped, MB, type BenchContext, type CaseResult } from '../lib/report.js';

interface ExportDoc {
  chapters: { scenes: { panels: unknown[] }[] }[];
}

export async function exportCase(ctx: BenchContext, runs = 3): Promise<CaseResult[]> {
  const name = 'GET /projects/{id}/export (10,000 panels, JSON)';
  if (!ctx.paths.has('/api/v1/projects/{project_id}/export')) return [skipped('export', name, '< 3 s; RSS growth < 100 MB', 'endpoint missing')];
  const path = `/api/v1/projects/${ctx.seeded.bigProjectId}/export`;
  const times: number[] = [];
  const growths: number[] = [];
  let bytes = 0;
  let panels = 0;
  for (let i = 0; i < runs; i++) {
    const { value: reply, baseline, peak } = await measurePeak(ctx.server.pid, () => call(ctx.server.base, 'GET', path, { token: ctx.seeded.token }));
    if (reply.status !== 200) throw new Error(`export answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`);
    times.push(reply.ms);
    growths.push(peak - baseline);
    bytes = reply.body.length;
    if (i === 0) {
      const doc = JSON.parse(reply.body.toString()) as ExportDoc;
      panels = doc.chapters.reduce((n, c) => n + c.scenes.reduce((m, s) => m + s.panels.length, 0), 0);
    }
  }
  const t = summarize(times);
  const worstGrowth = Math.max(...growths);
  return [
    {
      id: 'export',
      name,
      target: '< 3 s; peak RSS growth < 100 MB',
      result: `median ${fmt.ms(t.p50)}, max ${fmt.ms(t.max)}; ${(bytes / MB).toFixed(1)} MB, ${panels} panels; RSS growth max ${fmt.mb(worstGrowth)} (${growths.map((g) => (g / MB).toFixed(0)).join(', ')} MB)`,
      status: met(t.max < 3000 && worstGrowth < 100 * MB && panels >= 10_000),
      metrics: { times_ms: times.map((v) => Math.round(v)), rss_growth_mb: growths.map((g) => Math.round(g / MB)), bytes, panels },
    },
  ];
}
