/**
 * Backup of DATA_DIR while the server runs: a consistent SQLite snapshot, the image files it
 * refers to, and the generated JWT secret, in one tar archive with a manifest of checksums.
 *
 * Image files are named by their content and never change, so copying those the snapshot
 * refers to after the snapshot is consistent: files written later are simply not in it. The
 * one race is a file freed (its last image deleted) between the snapshot and the copy; then
 * a fresh snapshot, which no longer refers to it, is taken. The archive is written under a
 * temporary name in the target directory, fsynced and renamed, so the real name only ever
 * holds a complete backup.
 */
import { createReadStream } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SHA256_PATTERN } from '../../ports/blob-store.js';
import { createFsBlobStore } from '../files/fs-blob-store.js';
import { describeSnapshot, snapshotDatabase } from '../sqlite/snapshot.js';
import { appVersion, DATA_FILES, FORMAT, FORMAT_VERSION, imageEntryName, MANIFEST_NAME, type Manifest, type ManifestEntry } from './manifest.js';
import { createTarFile, type TarWriter } from './tar.js';
import { fsyncDir } from '../files/fsync-dir.js';

const ATTEMPTS = 3;

export interface BackupOptions {
  dataDir: string;
  /** The archive to create (must not exist); a name ending in .gz or .tgz is gzipped. */
  output: string;
  /** mongodb: the database lives in MongoDB (mongodump), only the files are archived. */
  database: 'sqlite' | 'mongodb';
  log?: (line: string) => void;
}

export interface BackupResult {
  file: string;
  manifest: Manifest;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

const exists = (file: string) => access(file).then(() => true, () => false);

export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const output = path.resolve(options.output);
  const log = options.log ?? (() => undefined);
  if (await exists(output)) throw new BackupError(`${output} already exists; choose another name`);
  if (!(await exists(options.dataDir))) throw new BackupError(`DATA_DIR ${options.dataDir} does not exist`);
  const dir = path.dirname(output);
  await mkdir(dir, { recursive: true });

  for (let attempt = 1; ; attempt += 1) {
    // Next to the output, so the final rename stays on one filesystem.
    const work = await mkdtemp(path.join(dir, '.inkframe-backup-'));
    try {
      const { partial, manifest } = await writeArchive(options, work, output.endsWith('.gz') || output.endsWith('.tgz'));
      if (manifest.missing_images.length > 0 && options.database === 'sqlite' && attempt < ATTEMPTS) {
        log(`${manifest.missing_images.length} image file(s) were deleted while copying; taking a fresh snapshot`);
        continue;
      }
      if (await exists(output)) throw new BackupError(`${output} appeared while the backup was written; not replacing it`);
      await rename(partial, output);
      await fsyncDir(dir);
      return { file: output, manifest };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function writeArchive(options: BackupOptions, work: string, gzip: boolean): Promise<{ partial: string; manifest: Manifest }> {
  const { dataDir, database } = options;
  const blobs = createFsBlobStore(path.join(dataDir, DATA_FILES.images));
  let documents: Record<string, number> = {};
  let hashes: string[];
  let snapshot: string | undefined;

  if (database === 'sqlite') {
    const live = path.join(dataDir, DATA_FILES.database);
    if (!(await exists(live))) throw new BackupError(`No database at ${live}: is DATA_DIR right? (With MONGODB_URL set, back up the database with mongodump.)`);
    snapshot = path.join(work, DATA_FILES.database);
    snapshotDatabase(live, snapshot);
    const contents = describeSnapshot(snapshot);
    documents = contents.documents;
    hashes = contents.imageHashes.filter((hash) => SHA256_PATTERN.test(hash));
  } else {
    // No snapshot to ask: every original on disk (the server sweeps unreferenced ones at start).
    hashes = [];
    for await (const blob of blobs.list()) if ((await blobs.size(blob.sha256)) !== null) hashes.push(blob.sha256);
  }

  const partial = path.join(work, 'archive.partial');
  const tar = await createTarFile(partial, gzip);
  const entries: ManifestEntry[] = [];
  const missing: string[] = [];
  try {
    if (snapshot) {
      const size = (await stat(snapshot)).size;
      entries.push({ name: DATA_FILES.database, size, sha256: await tar.add(DATA_FILES.database, size, createReadStream(snapshot)) });
    }
    const secret = await readFile(path.join(dataDir, DATA_FILES.jwtSecret)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (secret) entries.push({ name: DATA_FILES.jwtSecret, size: secret.length, sha256: await tar.addBuffer(DATA_FILES.jwtSecret, secret) });

    for (const sha256 of [...hashes].sort()) {
      const entry = await addImage(tar, blobs, sha256);
      if (entry) entries.push(entry);
      else missing.push(sha256);
    }

    const manifest: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      created_at: new Date().toISOString(),
      app_version: await appVersion(),
      database,
      counts: {
        documents,
        images: entries.length - (snapshot ? 1 : 0) - (secret ? 1 : 0),
        bytes: entries.reduce((sum, entry) => sum + entry.size, 0),
      },
      missing_images: missing,
      entries,
    };
    await tar.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    await tar.finish();
    return { partial, manifest };
  } catch (error) {
    await tar.abort();
    throw error;
  }
}

/** Archives one original; null when its file is gone. */
async function addImage(tar: TarWriter, blobs: ReturnType<typeof createFsBlobStore>, sha256: string): Promise<ManifestEntry | null> {
  const opened = await blobs.open(sha256);
  if (!opened) return null;
  try {
    const name = imageEntryName(sha256);
    const written = await tar.add(name, opened.size, opened.stream);
    if (written !== sha256) throw new BackupError(`The image file for ${sha256} is damaged (its bytes hash to ${written}); restore it from an older backup or delete the image`);
    return { name, size: opened.size, sha256 };
  } finally {
    opened.stream.destroy();
  }
}
