/**
 * `npm run backup` / `npm run restore` (src/cli/) against a real server process: a backup
 * taken while the server runs and a writer keeps adding panels, restored into a new DATA_DIR
 * and served again; and the restore's refusals (tampered or truncated archive, non-empty
 * target, a server still running on the target, a MongoDB-mode archive on SQLite).
 */
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarFile } from '../../src/adapters/backup/tar.js';
import { call, registerUser, startServer, until, type Json } from '../helpers/server-process.js';
import { allPanels, buildStory, getData, runTool, sha256, startWriter, type ToolRun } from './backup.fixtures.js';

const PASSWORD = 'correct horse battery';
const SERVER_ENV = { BCRYPT_ROUNDS: '4', LOG_LEVEL: 'warn', RATE_LIMIT_DEFAULT: '1000000/hour' };

let root = '';
let source = '';
let archive = '';
let offlineArchive = '';
let token = '';
let story: Awaited<ReturnType<typeof buildStory>>;
let before: { me: Json; chapters: Json; panels: Json };
let backupRun: ToolRun;
let ackedAtStart = 0;
let ackedAtEnd = 0;

const exists = (file: string) => access(file).then(() => true, () => false);
const fileSha = async (file: string) => sha256(await readFile(file));

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'inkframe-backup-'));
  source = path.join(root, 'source');
  const server = await startServer({ ...SERVER_ENV, DATA_DIR: source }, { name: 'source' });
  let stopCode: number | null = null;
  try {
    token = await registerUser(server.base, 'keeper', PASSWORD);
    story = await buildStory(server.base, token);
    before = {
      me: await getData(server.base, '/auth/me', token),
      chapters: await getData(server.base, `/projects/${story.project.id}/chapters`, token),
      panels: await getData(server.base, `/scenes/${story.scene.id}/panels`, token),
    };
    const writer = startWriter(server.base, token, story.busyScene.id);
    await until('the writer to get going', async () => writer.acked() >= 5);
    ackedAtStart = writer.acked();
    archive = path.join(root, 'backups', 'nightly.tar.gz');
    backupRun = await runTool('backup', [archive], { DATA_DIR: source });
    ackedAtEnd = writer.acked();
    await writer.stop();
  } finally {
    stopCode = await server.stop('SIGTERM');
  }
  if (stopCode !== 0) throw new Error(`source server exited ${stopCode}:\n${server.output()}`);
  // A second, uncompressed backup with the server stopped, for the tampering tests.
  offlineArchive = path.join(root, 'offline.tar');
  const offline = await runTool('backup', [offlineArchive], { DATA_DIR: source });
  if (offline.code !== 0) throw new Error(`offline backup failed: ${offline.stderr}`);
}, 240_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('backs up while the server runs and writes, and a new DATA_DIR restored from it serves the same data', async () => {
    expect(backupRun.code, backupRun.stderr).toBe(0);
    expect(backupRun.stdout).toContain(`backup written: ${archive}`);
    expect(backupRun.stdout).toContain('JWT secret');
    expect(ackedAtEnd, 'writes landed while the backup ran').toBeGreaterThan(ackedAtStart);
    expect((await readdir(path.dirname(archive))).sort(), 'no temporary files left').toEqual(['nightly.tar.gz']);
    let manifest: Json = {};
    await readTarFile(archive, async (entry) => {
      const parts: Buffer[] = [];
      for await (const chunk of entry.body) parts.push(chunk);
      if (entry.name === 'manifest.json') manifest = JSON.parse(Buffer.concat(parts).toString('utf8')) as Json;
    });
    expect(manifest).toMatchObject({ format: 'inkframe-backup', format_version: 1, database: 'sqlite', missing_images: [] });
    expect(manifest.app_version).toBe(JSON.parse(await readFile('package.json', 'utf8')).version);
    expect(manifest.counts).toMatchObject({ images: 2, documents: { users: 1, projects: 1, chapters: 2, scenes: 2, images: 2 } });

    const target = path.join(root, 'restored');
    const restore = await runTool('restore', [archive], { DATA_DIR: target });
    expect(restore.code, restore.stderr).toBe(0);
    expect(integrity(path.join(target, 'inkframe.db'))).toBe('ok');
    expect((await readdir(target)).sort()).toEqual(['images', 'inkframe.db', 'jwt-secret']);

    const server = await startServer({ ...SERVER_ENV, DATA_DIR: target }, { name: 'restored' });
    try {
      const { base } = server;
      // The generated JWT secret is in the backup: tokens issued before it stay valid.
      expect(await getData(base, '/auth/me', token)).toEqual(before.me);
      expect((await call(base, 'POST', '/auth/login', undefined, { username: 'keeper', password: PASSWORD })).status).toBe(200);
      expect((await getData(base, `/projects/${story.project.id}`, token)).title).toBe('The Lighthouse');
      expect(await getData(base, `/projects/${story.project.id}/chapters`, token)).toEqual(before.chapters);
      expect(await getData(base, `/scenes/${story.scene.id}/panels`, token)).toEqual(before.panels);

      // One moment in time: every write acknowledged before the backup began, then a gap-free prefix of the rest.
      const written = await allPanels(base, token, story.busyScene.id);
    expect(written.length).toBeGreaterThanOrEqual(ackedAtStart);
      expect(written.length).toBeLessThanOrEqual(ackedAtEnd + 1);
      expect(written.map((panel) => panel.description)).toEqual(written.map((_, i) => `w${i}`));
      expect(written.map((panel) => panel.order)).toEqual(written.map((_, i) => i));

      for (const [i, image] of story.images.entries()) {
        const response = await fetch(`${base}/images/${image.id}`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(story.bytes[i]!));
        // Thumbnails are not backed up; they are rendered again on demand.
        const thumbnail = await fetch(`${base}/images/${image.id}/thumbnail`, { headers: { authorization: `Bearer ${token}` } });
        expect(thumbnail.status).toBe(200);
        expect(thumbnail.headers.get('content-type')).toBe('image/webp');
      }

      // Restoring over a DATA_DIR that a running server uses is refused, even with --force.
      const again = await runTool('restore', [archive, '--force'], { DATA_DIR: target });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('stop the server');
      expect((await readdir(target)).filter((name) => name.startsWith('.'))).toEqual([]);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 180_000);

  it('refuses a non-empty DATA_DIR without --force; with it, moves the old contents aside', async () => {
    const names = (await readdir(source)).sort();
    const dbSha = await fileSha(path.join(source, 'inkframe.db'));
    const refused = await runTool('restore', [offlineArchive], { DATA_DIR: source });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .*--force/);
    expect((await readdir(source)).sort()).toEqual(names);
    expect(await fileSha(path.join(source, 'inkframe.db'))).toBe(dbSha);

    const forced = await runTool('restore', [offlineArchive, '--force'], { DATA_DIR: source });
    expect(forced.code, forced.stderr).toBe(0);
    const aside = (await readdir(source)).filter((name) => name.startsWith('.pre-restore-'));
    expect(aside).toHaveLength(1);
    expect(forced.stdout).toContain(path.join(source, aside[0]!));
    expect(await fileSha(path.join(source, aside[0]!, 'inkframe.db'))).toBe(dbSha);
    expect(await readdir(path.join(source, aside[0]!))).toEqual(expect.arrayContaining(['images', 'inkframe.db', 'jwt-secret']));
    // WAL files of the old database went with it: replayed into the restored one, they would corrupt it.
    expect((await readdir(source)).filter((name) => !name.startsWith('.')).sort()).toEqual(['images', 'inkframe.db', 'jwt-secret']);
    expect(integrity(path.join(source, 'inkframe.db'))).toBe('ok');
  }, 60_000);

  it('refuses a tampered or truncated archive without touching the target, and never overwrites a backup', async () => {
    const bytes = await readFile(offlineArchive);
    const at = bytes.indexOf(story.bytes[0]!);
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(bytes);
    tampered[at + 40] = tampered[at + 40]! ^ 0xff;
    await writeFile(path.join(root, 'tampered.tar'), tampered);
    await writeFile(path.join(root, 'truncated.tar'), bytes.subarray(0, Math.floor(bytes.length / 2)));

    const target = path.join(root, 'never');
    const damaged = await runTool('restore', [path.join(root, 'tampered.tar')], { DATA_DIR: target });
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`checksum mismatch for images/originals/${story.images[0]!.sha256.slice(0, 2)}/${story.images[0]!.sha256}`);
    expect(await exists(target)).toBe(false);

    const cut = await runTool('restore', [path.join(root, 'truncated.tar')], { DATA_DIR: target });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain('truncated');
    expect(await exists(target)).toBe(false);

    const clobber = await runTool('backup', [offlineArchive], { DATA_DIR: source });
    expect(clobber.code).toBe(1);
    expect(clobber.stderr).toContain('already exists');
    expect(await fileSha(offlineArchive)).toBe(sha256(bytes));
  }, 60_000);

  it('with MONGODB_URL set, prints the mongodump commands and archives only the files', async () => {
    const mongo = { MONGODB_URL: 'mongodb://backup-user:s3cret@127.0.0.1:9/', MONGODB_DB: 'studio' };
    const filesArchive = path.join(root, 'files.tar');
    const backup = await runTool('backup', [filesArchive], { DATA_DIR: source, ...mongo });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain(`mongodump --uri="$MONGODB_URL" --db=studio --archive=`);
    expect(backup.stdout).toContain(`mongorestore --uri="$MONGODB_URL" --nsInclude='studio.*' --drop`);
    expect(backup.stdout + backup.stderr).not.toContain('s3cret');
    const names: string[] = [];
    await readTarFile(filesArchive, async (entry) => void names.push(entry.name));
    expect(names.sort()).toEqual(['jwt-secret', 'manifest.json', ...story.images.map((image) => `images/originals/${image.sha256.slice(0, 2)}/${image.sha256}`).sort()].sort());

    // Restored without MongoDB the server would start empty and sweep the images away.
    const target = path.join(root, 'mongo-files');
    const refused = await runTool('restore', [filesArchive], { DATA_DIR: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('MONGODB_URL');
    expect(await exists(target)).toBe(false);

    const restored = await runTool('restore', [filesArchive], { DATA_DIR: target, ...mongo });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('mongorestore');
    expect((await readdir(target)).sort()).toEqual(['images', 'jwt-secret']);
    for (const [i, image] of story.images.entries()) {
      expect(await fileSha(path.join(target, 'images', 'originals', image.sha256.slice(0, 2), image.sha256))).toBe(sha256(story.bytes[i]!));
    }
  }, 60_000);
});
