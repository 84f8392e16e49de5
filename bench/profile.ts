/**
 * `npm run bench:profile`: CPU profile of one case (default: the authenticated GET
 * /projects/{id}). Starts the built server under `node --cpu-prof`, drives it with autocannon,
 * stops it (the profile is written at exit) and prints the top self-time functions and
 * packages. The summary goes to bench/results/profile-<case>.txt; the .cpuprofile stays in a
 * temp dir (open it in Chrome DevTools, or rank callers with bench/lib/cpuprofile.ts).
 *
 *   npm run bench:profile -- --seconds 15 [--case get_project|list_panels|create_panel|upload]
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildForBench, ROOT } from './lib/build.js';
import { formatSummary, summarizeProfile } from './lib/cpuprofile.js';
import { api } from './lib/http.js';
import { load, type LoadOptions } from './lib/load.js';
import { spawnServer } from './lib/proc.js';
import { panelBody, registerAndLogin } from './lib/seed.js';
import { MULTIPART_TYPE, multipartUpload, noiseJpeg, uniqueJpeg } from './cases/images.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, top: { type: 'string', default: '30' }, case: { type: 'string', default: 'get_project' } },
});

/** Seeds what the case needs and returns its load (without url base and duration). */
async function prepare(base: string, token: string): Promise<{ label: string; path: string; load: Omit<LoadOptions, 'url' | 'seconds'> }> {
  const post = <T>(path: string, json: unknown) => api<T & { id: string }>(base, 'POST', path, { token, json });
  const auth = { authorization: `Bearer ${token}` };
  const project = await post('/api/v1/projects', { title: 'Profiled', description: 'profile case' });
  if (args.case === 'get_project') return { label: 'GET /api/v1/projects/{id}', path: `/api/v1/projects/${project.id}`, load: { headers: auth } };
  const character = await post(`/api/v1/projects/${project.id}/characters`, { name: 'Mara' });
  const chapter = await post(`/api/v1/projects/${project.id}/chapters`, { title: 'One' });
  const scene = await post(`/api/v1/chapters/${chapter.id}/scenes`, { title: 'One' });
  const panelsPath = `/api/v1/scenes/${scene.id}/panels`;
  if (args.case === 'list_panels') {
    for (let i = 0; i < 20; i++) await post(panelsPath, panelBody(i, character.id));
    return { label: 'GET /api/v1/scenes/{id}/panels?limit=20', path: `${panelsPath}?limit=20`, load: { headers: auth } };
  }
  if (args.case === 'create_panel') {
    // Spread over scenes, as the bench does, so no scene grows unrealistically long.
    const paths = [panelsPath];
    for (let i = 0; i < 19; i++) paths.push(`/api/v1/scenes/${(await post(`/api/v1/chapters/${chapter.id}/scenes`, { title: `S${i}` })).id}/panels`);
    const body = JSON.stringify(panelBody(1, character.id));
    return { label: 'POST /api/v1/scenes/{id}/panels', path: panelsPath, load: { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body, paths } };
  }
  if (args.case === 'upload') {
    const jpeg = await noiseJpeg();
    let n = 0;
    const bodyFor = () => multipartUpload(project.id, uniqueJpeg(jpeg, `profile ${++n}`));
    return { label: 'POST /api/v1/images/upload (2 MB JPEG)', path: '/api/v1/images/upload', load: { method: 'POST', headers: { ...auth, 'content-type': MULTIPART_TYPE }, bodyFor } };
  }
  throw new Error(`unknown --case ${args.case}`);
}

async function main(): Promise<void> {
  const build = await buildForBench();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'inkframe-profile-data-'));
  const profileDir = await mkdtemp(path.join(os.tmpdir(), 'inkframe-profile-'));
  try {
    const server = await spawnServer({
      main: build.main,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_ROUNDS: '4', RATE_LIMIT_DEFAULT: '100000000/hour' },
    });
    const { token } = await registerAndLogin(server.base, `profile_${Date.now().toString(36)}`);
    const target = await prepare(server.base, token);
    const result = await load({ ...target.load, url: `${server.base}${target.path}`, seconds: Number(args.seconds) });
    await server.stop();
    const file = (await readdir(profileDir)).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${profileDir}`);
    const summary = await summarizeProfile(path.join(profileDir, file), Number(args.top));
    const text = [
      `${target.label}, 10 connections, ${args.seconds} s: ${result.rps.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}`,
      `(the profile also covers start-up and seeding; the load dominates it)`,
      '',
      formatSummary(summary),
    ].join('\n');
    process.stdout.write(`${text}\n\nprofile: ${path.join(profileDir, file)}\n`);
    await writeFile(path.join(ROOT, 'bench', 'results', `profile-${args.case}.txt`), `${text}\n`);
  } finally {
    await build.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
