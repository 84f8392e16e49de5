/**
 * Transpiles src/ (and the raw server) to plain ESM in a temp directory, the way `npm run build`
 * would, but with esbuild (no type check) so a bench run does not wait ~20 s for tsc. The
 * server then runs on bare `node`, not through a TypeScript loader that would distort the
 * start-up time and the RSS.
 */
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tsFiles(full)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export interface Build {
  dir: string;
  /** The server entry point (src/main.ts compiled). */
  main: string;
  /** The raw node:http baseline server. */
  rawServer: string;
  remove(): Promise<void>;
}

export async function buildForBench(): Promise<Build> {
  const dir = await mkdtemp(path.join(tmpdir(), 'inkframe-bench-build-'));
  const entryPoints = [...(await tsFiles(path.join(ROOT, 'src'))), path.join(ROOT, 'bench', 'lib', 'raw-server.ts')];
  await build({
    entryPoints,
    outdir: dir,
    outbase: ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  // Bare imports resolve from the repository's node_modules.
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return {
    dir,
    main: path.join(dir, 'src', 'main.js'),
    rawServer: path.join(dir, 'bench', 'lib', 'raw-server.js'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
