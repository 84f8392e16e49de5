/**
 * `npm run bench`: builds the server, starts it as a child process on the embedded defaults
 * (SQLite in a temp DATA_DIR) and, when MONGODB_URL / REDIS_URL are set, again on MongoDB +
 * Redis; seeds through the API; runs every case against the raw node:http baseline; writes
 * bench/results/<out>.json and .md and prints the table.
 *
 *   npm run bench                                   every case, results/latest.*
 *   npm run bench -- --only get_project,stats       some cases (results/rerun.*)
 *   npm run bench -- --seconds 5 --backend sqlite   shorter runs, one backend
 */
import { execSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildForBench, ROOT } from './lib/build.js';
import { call } from './lib/http.js';
import { startRawServer } from './lib/load.js';
import { memoryOf, spawnServer, type ServerProcess } from './lib/proc.js';
import { seed } from './lib/seed.js';
import { consoleTable, fmt, markdownTable, met, MB, type BackendResult, type BenchContext, type CaseResult, type RunResult } from './lib/report.js';
import { getProjectCase, listPanelsCase, statsCase } from './cases/reads.js';
import { createPanelCase, crashDurabilityCase, deleteChapterCase } from './cases/writes.js';
import { imageGetCase, noiseJpeg, uploadCase } from './cases/images.js';
import { exportCase } from './cases/export.js';
import { wsFanoutCase } from './cases/ws.js';
import { jobsCase } from './cases/jobs.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    only: { type: 'string' },
    backend: { type: 'string', default: 'all' },
    out: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const only = args.only ? new Set(args.only.split(',')) : undefined;
const out = args.out ?? (only ? 'rerun' : 'latest');
const wanted = (id: string) => !only || only.has(id);
const log = (line: string) => process.stdout.write(`${line}\n`);
const runStarted = performance.now();

/** Keeps the limiter from distorting the numbers: nothing here should ever be throttled. */
const UNLIMITED = '100000000/hour';

function baseEnv(dataDir: string): Record<string, string> {
  return { DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_ROUNDS: '4', RATE_LIMIT_DEFAULT: UNLIMITED, RATE_LIMIT_GENERATION: UNLIMITED };
}

function machine(): Record<string, unknown> {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return 'n/a';
    }
  };
  return {
    nproc: sh('nproc'),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    free_h: sh('free -h'),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg_at_start: os.loadavg().map((v) => Number(v.toFixed(2))),
  };
}

/** openapi.json is not enveloped, so it is read raw. */
async function openApiPaths(base: string): Promise<Set<string>> {
  const raw = await call(base, 'GET', '/api/v1/openapi.json');
  const doc = JSON.parse(raw.body.toString()) as { paths?: Record<string, unknown> };
  return new Set(Object.keys(doc.paths ?? {}));
}

async function runBackend(name: string, extraEnv: Record<string, string>, main: string, rawScript: string): Promise<BackendResult> {
  log(`\n=== backend: ${name}`);
  const cases: CaseResult[] = [];
  const dataDirs: string[] = [];
  const freshEnv = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'inkframe-bench-data-'));
    dataDirs.push(dir);
    return { ...baseEnv(dir), ...extraEnv };
  };

  // Start-up: three fresh starts (new DATA_DIR each); the last one serves the suite.
  const startups: number[] = [];
  const startupCpu: number[] = [];
  let server: ServerProcess | undefined;
  let env: Record<string, string> = {};
  for (let i = 0; i < 3; i++) {
    await server?.stop();
    env = await freshEnv();
    server = await spawnServer({ main, env });
    startups.push(server.startupMs);
    startupCpu.push(server.startupCpuMs);
  }
  server = server!;
  const startup = [...startups].sort((a, b) => a - b)[1]!;
  cases.push({
    id: 'startup',
    name: 'Start-up (spawn to first ready 200), fresh DATA_DIR',
    target: '< 1.5 s',
    result: `median ${fmt.ms(startup)} of ${startups.map((v) => v.toFixed(0)).join(', ')} ms; server CPU to get there ${startupCpu.join(', ')} ms`,
    status: met(startup < 1500),
    metrics: { startup_ms: startups.map(Math.round), startup_cpu_ms: startupCpu },
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = await memoryOf(server.pid);
  cases.push({ id: 'idle_rss', name: 'Idle RSS (2 s after start)', target: '< 120 MB', result: fmt.mb(idle.rss), status: met(idle.rss < 120 * MB), metrics: { rss_mb: Math.round(idle.rss / MB) } });
  log(`  start-up ${startups.map((v) => v.toFixed(0)).join('/')} ms (CPU ${startupCpu.join('/')} ms), idle RSS ${fmt.mb(idle.rss)}`);

  const raw = await startRawServer(rawScript);
  const floor = await startRawServer(rawScript, ['--fastify']);
  const paths = await openApiPaths(server.base);
  log('  seeding...');
  const big = ['list_panels', 'stats', 'export', 'delete_chapter'].some(wanted);
  const seeded = await seed(server.base, log, { big });
  const afterSeed = await memoryOf(server.pid);
  log(`  seeded in ${seeded.seedSeconds.toFixed(1)} s; RSS after seeding ${fmt.mb(afterSeed.rss)}`);

  const ctx: BenchContext = { backend: name, server, raw, floor, seeded, seconds, dataDir: env.DATA_DIR!, paths, env, log };
  const jpeg = wanted('upload') || wanted('image_get') ? await noiseJpeg() : Buffer.alloc(0);
  const steps: [string, () => Promise<CaseResult[]>][] = [
    ['get_project', () => getProjectCase(ctx)],
    ['list_panels', () => listPanelsCase(ctx)],
    ['stats', () => statsCase(ctx)],
    ['create_panel', () => createPanelCase(ctx)],
    ['upload', () => uploadCase(ctx, jpeg)],
    ['image_get', () => imageGetCase(ctx, jpeg)],
    ['export', () => exportCase(ctx)],
    // After export: it deletes chapters of the big project.
    ['delete_chapter', () => deleteChapterCase(ctx)],
    ['ws_fanout', () => wsFanoutCase(ctx)],
    ['jobs', () => jobsCase(ctx)],
  ];
  for (const [id, step] of steps) {
    if (!wanted(id)) continue;
    const started = performance.now();
    log(`  case ${id}...`);
    try {
      const rows = await step();
      for (const row of rows) row.metrics = { ...row.metrics, loadavg_after: os.loadavg().map((v) => Number(v.toFixed(2))) };
      cases.push(...rows);
      for (const row of rows) log(`    ${row.status.toUpperCase()} ${row.name}: ${row.result}`);
    } catch (error) {
      cases.push({ id, name: id, target: '', result: 'error', status: 'missed', note: (error as Error).message.slice(0, 300) });
      log(`    ERROR ${(error as Error).stack ?? String(error)}`);
    }
    log(`    (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }

  // Last: kills the server on purpose.
  if (wanted('crash_durability')) {
    log('  case crash_durability...');
    try {
      const result = await crashDurabilityCase(ctx, () => spawnServer({ main, env }));
      server = result.server;
      cases.push(...result.rows);
      for (const row of result.rows) log(`    ${row.status.toUpperCase()} ${row.name}: ${row.result}`);
    } catch (error) {
      cases.push({ id: 'crash_durability', name: 'crash_durability', target: '', result: 'error', status: 'missed', note: (error as Error).message.slice(0, 300) });
      log(`    ERROR ${(error as Error).stack ?? String(error)}`);
    }
  }

  await server.stop();
  await raw.stop();
  await floor.stop();
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  return { backend: name, cases, seed: { seconds: Number(seeded.seedSeconds.toFixed(1)), panels_per_second: Math.round(seeded.panelsPerSecond) } };
}

async function dropMongoDatabase(url: string, dbName: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url);
  try {
    await client.connect();
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}

/** Deletes the run's own keys (its unique prefix) from Redis. */
async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const info = machine();
  log(`Inkframe bench: ${info.nproc} cores (${String(info.cpu)}), node ${process.version}, load ${JSON.stringify(info.loadavg_at_start)}`);
  const build = await buildForBench();
  const backends: BackendResult[] = [];
  try {
    if (args.backend === 'all' || args.backend === 'sqlite') backends.push(await runBackend('sqlite (embedded defaults)', {}, build.main, build.rawServer));
    const mongoUrl = process.env.MONGODB_URL;
    if ((args.backend === 'all' || args.backend === 'mongo') && mongoUrl) {
      const dbName = `inkframe_bench_${Date.now().toString(36)}`;
      // A database and a Redis key prefix of its own, so the run never touches anyone's data.
      const redis: Record<string, string> = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `${dbName}:` } : {};
      const env: Record<string, string> = { MONGODB_URL: mongoUrl, MONGODB_DB: dbName, ...redis };
      try {
        backends.push(await runBackend(`mongodb${process.env.REDIS_URL ? ' + redis' : ''}`, env, build.main, build.rawServer));
      } finally {
        await dropMongoDatabase(mongoUrl, dbName).catch((error: unknown) => log(`  (could not drop ${dbName}: ${String(error)})`));
        if (process.env.REDIS_URL) await dropRedisKeys(process.env.REDIS_URL, `${dbName}:`).catch((error: unknown) => log(`  (could not delete ${dbName}:* in Redis: ${String(error)})`));
      }
    } else if (args.backend !== 'sqlite') {
      log('\n(MONGODB_URL is not set: the MongoDB + Redis backend is skipped)');
    }
  } finally {
    await build.remove();
  }

  const result: RunResult = {
    date: new Date().toISOString(),
    machine: { ...info, loadavg_at_end: os.loadavg().map((v) => Number(v.toFixed(2))) },
    settings: { seconds_per_run: seconds, warmup_seconds: 1, connections: 10, rate_limit_default: UNLIMITED, log_level: 'warn', bcrypt_rounds: 4, only: only ? [...only] : 'all' },
    backends,
    duration_seconds: Math.round((performance.now() - runStarted) / 1000),
  };
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${out}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const md = backends.map((b) => `### ${b.backend}\n\n${markdownTable(b)}\n`).join('\n');
  await writeFile(path.join(dir, `${out}.md`), `Run ${result.date}, ${result.duration_seconds} s\n\n${md}`);
  log('');
  for (const b of backends) log(`${consoleTable(b)}\n`);
  log(`Total ${result.duration_seconds} s; results in bench/results/${out}.json and ${out}.md`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
