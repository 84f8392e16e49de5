/** Image-generation jobs with the offline (sketch) provider: submit, poll until done, jobs/s end to end. */
import { call, pool, summarize } from '../lib/http.js';
import { fmt, skipped, type BenchContext, type CaseResult } from '../lib/report.js';

const JOBS = 40;
const IN_FLIGHT = 8;
const DONE = new Set(['succeeded', 'failed', 'canceled']);

export async function jobsCase(ctx: BenchContext): Promise<CaseResult[]> {
  const name = 'Image jobs, offline sketch provider (submit -> succeeded)';
  if (!ctx.paths.has('/api/v1/generate/image') || !ctx.paths.has('/api/v1/generate/status/{generation_id}')) {
    return [skipped('jobs', name, 'jobs/s (no fixed target)', 'POST /generate/image is not registered yet')];
  }
  const { token, smallProjectId } = ctx.seeded;
  const durations: number[] = [];
  const statuses = new Map<string, number>();
  const started = performance.now();
  const deadline = started + 60_000;
  await pool(Array.from({ length: JOBS }, (_, i) => i), IN_FLIGHT, async (i) => {
    const submitted = performance.now();
    const reply = await call(ctx.server.base, 'POST', '/api/v1/generate/image', {
      token,
      json: { project_id: smallProjectId, prompt: `a lighthouse in a storm, panel ${i}`, n: 1, seed: i, width: 512, height: 512 },
    });
    if (reply.status !== 202 && reply.status !== 201) throw new Error(`generate/image answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`);
    const jobId = (JSON.parse(reply.body.toString()) as { data: { id: string } }).data.id;
    for (;;) {
      const status = await call(ctx.server.base, 'GET', `/api/v1/generate/status/${jobId}`, { token });
      const job = (JSON.parse(status.body.toString()) as { data: { status: string } }).data;
      if (DONE.has(job.status)) {
        statuses.set(job.status, (statuses.get(job.status) ?? 0) + 1);
        durations.push(performance.now() - submitted);
        return;
      }
      if (performance.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const s = summarize(durations);
  const succeeded = statuses.get('succeeded') ?? 0;
  return [
    {
      id: 'jobs',
      name,
      target: 'jobs/s (no fixed target)',
      result: `${(succeeded / seconds).toFixed(1)} jobs/s; ${succeeded}/${JOBS} succeeded; end-to-end p50 ${fmt.ms(s.p50)}, p99 ${fmt.ms(s.p99)}`,
      status: succeeded === JOBS ? 'info' : 'missed',
      note: `${IN_FLIGHT} in flight, polling every 20 ms`,
      metrics: { jobs_per_second: succeeded / seconds, statuses: Object.fromEntries(statuses), latency: s },
    },
  ];
}
