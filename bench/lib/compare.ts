/**
 * App vs raw baseline on the same request, with the server's peak RSS under the app load.
 * The machine is shared, so load comes in bursts: the two are measured in alternating short
 * rounds (app, raw, app, raw, ...) and the ratio reported is the median of the rounds' ratios.
 */
import { call, percentile, type Reply } from './http.js';
import { load, type LoadOptions, type LoadResult } from './load.js';
import { measurePeak } from './proc.js';
import type { BenchContext } from './report.js';

export interface Comparison {
  /** Sums/medians over the rounds (see combine()). */
  app: LoadResult & { warmup?: LoadResult };
  raw: LoadResult;
  ratio: number;
  /** With `floor`: the bare Fastify app answering the same bytes, and its median ratio to raw. */
  floor?: { result: LoadResult; ratio: number };
  /** Each round's app/raw ratio. */
  ratios: number[];
  /** Server RSS peak during the app runs, bytes. */
  peakRss: number;
  sample: Reply;
}

export interface CompareOptions {
  method?: 'GET' | 'POST';
  path: string;
  /** More paths answered alike (autocannon cycles through path and these). */
  morePaths?: string[];
  body?: Buffer;
  /** Builds each request's body instead (e.g. unique uploads). */
  bodyFor?: () => Buffer;
  headers?: Record<string, string>;
  connections?: number;
  /** Serve this file (streamed) from the baseline instead of the recorded body. */
  rawFile?: string;
  expectStatus?: number;
  rounds?: number;
  engine?: LoadOptions['engine'];
  /** Also measure the bare Fastify floor in every round (app, raw, floor). */
  floor?: boolean;
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

/** Rounds combined: counts summed, rates over the total time, latencies as the median round's. */
export function combine(rounds: LoadResult[]): LoadResult {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((s, r) => s + pick(r), 0);
  return {
    rps: sum((r) => r.requests) / seconds,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    ok2xx: sum((r) => r.ok2xx),
    errors: sum((r) => r.errors),
    seconds,
    throughput: sum((r) => r.throughput * r.seconds) / seconds,
  };
}

export async function compareWithRaw(ctx: BenchContext, options: CompareOptions): Promise<Comparison> {
  const method = options.method ?? 'GET';
  const headers = { authorization: `Bearer ${ctx.seeded.token}`, ...options.headers };
  const firstBody = options.bodyFor ? options.bodyFor() : options.body;
  const sample = await call(ctx.server.base, method, options.path, { headers, ...(firstBody ? { body: firstBody } : {}) });
  const expected = options.expectStatus ?? (method === 'POST' ? 201 : 200);
  if (sample.status !== expected) throw new Error(`${method} ${options.path} answered ${sample.status}: ${sample.body.toString().slice(0, 300)}`);
  for (const path of [options.path, ...(options.morePaths ?? [])]) {
    await ctx.raw.register(method, path, sample, options.rawFile);
    if (options.floor) await ctx.floor.register(method, path, sample, options.rawFile);
  }

  const rounds = options.rounds ?? 3;
  const seconds = Math.max(1, ctx.seconds / rounds);
  const run = (base: string, warmupSeconds: number) => {
    const opts: LoadOptions = { url: `${base}${options.path}`, seconds, method, headers, warmupSeconds };
    if (options.body) opts.body = options.body;
    if (options.bodyFor) opts.bodyFor = options.bodyFor;
    if (options.connections) opts.connections = options.connections;
    if (options.morePaths) opts.paths = [options.path, ...options.morePaths];
    if (options.engine) opts.engine = options.engine;
    return load(opts);
  };
  const appRounds: (LoadResult & { warmup?: LoadResult })[] = [];
  const rawRounds: LoadResult[] = [];
  const floorRounds: LoadResult[] = [];
  let peakRss = 0;
  for (let i = 0; i < rounds; i++) {
    const measured = await measurePeak(ctx.server.pid, () => run(ctx.server.base, i === 0 ? 1 : 0));
    peakRss = Math.max(peakRss, measured.peak);
    appRounds.push(measured.value);
    rawRounds.push(await run(ctx.raw.base, i === 0 ? 1 : 0));
    if (options.floor) floorRounds.push(await run(ctx.floor.base, i === 0 ? 1 : 0));
  }
  const ratios = appRounds.map((app, i) => app.rps / rawRounds[i]!.rps);
  const warmup = appRounds[0]!.warmup;
  return {
    app: { ...combine(appRounds), ...(warmup ? { warmup } : {}) },
    raw: combine(rawRounds),
    ...(options.floor ? { floor: { result: combine(floorRounds), ratio: median(floorRounds.map((floor, i) => floor.rps / rawRounds[i]!.rps)) } } : {}),
    ratio: median(ratios),
    ratios,
    peakRss,
    sample,
  };
}

const rps = (v: number) => (v < 100 ? `${v.toFixed(1)}/s` : `${Math.round(v).toLocaleString('en-US')}/s`);
/** autocannon reports whole milliseconds; the node:http client fractions. */
const ms = (v: number) => `${Number.isInteger(v) ? v : v.toFixed(1)} ms`;

/** "1,234/s vs raw 2,000/s = 0.62 (rounds 0.60/0.62/0.65); p50 1 ms, p99 4 ms (raw p99 2 ms)" */
export function describe(c: Comparison): string {
  return (
    `${rps(c.app.rps)} vs raw ${rps(c.raw.rps)}, ratio ${c.ratio.toFixed(2)} (rounds ${c.ratios.map((r) => r.toFixed(2)).join('/')}); ` +
    `p50 ${ms(c.app.p50)}, p99 ${ms(c.app.p99)} (raw p99 ${ms(c.raw.p99)})` +
    (c.floor ? `; bare Fastify, same bytes: ${rps(c.floor.result.rps)}, ratio ${c.floor.ratio.toFixed(2)}` : '')
  );
}

export function loadMetrics(c: Comparison): Record<string, unknown> {
  const round = (v: number) => Math.round(v * 10) / 10;
  const pick = (r: LoadResult) => ({ rps: round(r.rps), p50_ms: round(r.p50), p99_ms: round(r.p99), requests: r.requests, non2xx: r.non2xx, errors: r.errors });
  return {
    app: pick(c.app),
    raw: pick(c.raw),
    ratio: Number(c.ratio.toFixed(3)),
    ...(c.floor ? { fastify_floor: { ...pick(c.floor.result), ratio: Number(c.floor.ratio.toFixed(3)) } } : {}),
    round_ratios: c.ratios.map((r) => Number(r.toFixed(3))),
    peak_rss_mb: Math.round(c.peakRss / 1048576),
    response_bytes: c.sample.body.length,
  };
}
