/**
 * Restore of a backup archive into DATA_DIR. Nothing in DATA_DIR is touched until the whole
 * archive has been read once and every entry matched the manifest's size and sha256. Then the
 * entries are written to a staging directory inside DATA_DIR (checked again as they are
 * written), the database passes `PRAGMA integrity_check`, and only then are they renamed into
 * place. With `force`, what the server kept in DATA_DIR before is moved aside, never deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { createFsBlobStore } from '../files/fs-blob-store.js';
import { databaseInUse, integrityProblems } from '../sqlite/snapshot.js';
import { DATA_FILES, imageHashOf, isKnownEntry, MANIFEST_NAME, parseManifest, SERVER_FILES, type Manifest } from './manifest.js';
import { readTarFile, type TarEntry } from './tar.js';
import { fsyncDir } from '../files/fsync-dir.js';

/** A manifest bigger than this is not one we wrote (about 150 bytes per image). */
const MANIFEST_MAX_BYTES = 256 * 1024 * 1024;
/** Left alone when deciding whether DATA_DIR is empty (a mount point's own directory). */
const IGNORED = new Set(['lost+found']);

export interface RestoreOptions {
  archive: string;
  dataDir: string;
  /** How the server is configured: sqlite (no MONGODB_URL) or mongodb. */
  database: 'sqlite' | 'mongodb';
  /** Replace what DATA_DIR holds (it is moved aside into DATA_DIR/.pre-restore-<time>). */
  force: boolean;
  log?: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  /** Where the previous contents went (force only). */
  movedAside: string | null;
}

/** The restore did not start: nothing in DATA_DIR was changed. */
export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

type Seen = Map<string, { size: number; sha256: string }>;

async function hashBody(entry: TarEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of entry.body) hash.update(chunk);
  return hash.digest('hex');
}

async function readText(entry: TarEntry): Promise<string> {
  if (entry.size > MANIFEST_MAX_BYTES) throw new RestoreRefusedError('manifest.json is implausibly large');
  const parts: Buffer[] = [];
  for await (const chunk of entry.body) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Reads the whole archive and checks it against its manifest without writing anything. */
export async function verifyArchive(archive: string): Promise<Manifest> {
  const seen: Seen = new Map();
  let manifestText: string | undefined;
  try {
    await readTarFile(archive, async (entry) => {
      if (seen.has(entry.name) || (entry.name === MANIFEST_NAME && manifestText !== undefined)) throw new RestoreRefusedError(`entry "${entry.name}" appears twice`);
      if (entry.name === MANIFEST_NAME) manifestText = await readText(entry);
      else if (!isKnownEntry(entry.name)) throw new RestoreRefusedError(`unexpected entry "${entry.name}"`);
      else seen.set(entry.name, { size: entry.size, sha256: await hashBody(entry) });
    });
  } catch (error) {
    if (error instanceof RestoreRefusedError) throw error;
    throw new RestoreRefusedError(error instanceof Error ? error.message : String(error));
  }
  if (manifestText === undefined) throw new RestoreRefusedError('the archive has no manifest.json');
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestText);
  } catch (error) {
    throw new RestoreRefusedError((error as Error).message);
  }
  const listed = new Set(manifest.entries.map((entry) => entry.name));
  for (const entry of manifest.entries) {
    const found = seen.get(entry.name);
    if (!found) throw new RestoreRefusedError(`${entry.name} is listed in the manifest but missing from the archive`);
    if (found.size !== entry.size || found.sha256 !== entry.sha256) throw new RestoreRefusedError(`checksum mismatch for ${entry.name}: the archive is damaged or was altered`);
    const imageHash = imageHashOf(entry.name);
    if (imageHash !== null && imageHash !== found.sha256) throw new RestoreRefusedError(`checksum mismatch for ${entry.name}: its bytes do not match its name`);
  }
  for (const name of seen.keys()) if (!listed.has(name)) throw new RestoreRefusedError(`${name} is in the archive but not in its manifest`);
  return manifest;
}

/** Writes a verified entry to `file` (mode 0600), hashing as it goes. */
async function writeEntry(entry: TarEntry, file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'wx', 0o600);
  try {
    for await (const chunk of entry.body) {
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function unpack(archive: string, manifest: Manifest, staging: string): Promise<void> {
  const expected = new Map(manifest.entries.map((entry) => [entry.name, entry.sha256]));
  const blobs = createFsBlobStore(path.join(staging, DATA_FILES.images));
  let written = 0;
  await readTarFile(archive, async (entry) => {
    if (entry.name === MANIFEST_NAME) return;
    const want = expected.get(entry.name);
    if (want === undefined) throw new Error(`unexpected entry "${entry.name}"`);
    const got = imageHashOf(entry.name) !== null ? (await blobs.put(entry.body)).sha256 : await writeEntry(entry, path.join(staging, entry.name));
    // Checked again: the file could have changed since it was verified.
    if (got !== want) throw new Error(`checksum mismatch for ${entry.name} while unpacking`);
    written += 1;
  });
  if (written !== expected.size) throw new Error('the archive changed while it was being restored');
}

/** DATA_DIR entries that make it "not empty". */
async function contentsOf(dataDir: string): Promise<string[]> {
  const names = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((name) => !IGNORED.has(name));
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { dataDir, force } = options;
  const log = options.log ?? (() => undefined);
  log(`verifying ${options.archive}`);
  const manifest = await verifyArchive(options.archive);

  if (manifest.database === 'mongodb' && options.database === 'sqlite') {
    throw new RestoreRefusedError('this backup was taken with MONGODB_URL set and holds no database; set MONGODB_URL (and restore the database with mongorestore) first, otherwise the server would start on an empty SQLite database and delete these images as unused');
  }
  if (manifest.database === 'sqlite' && options.database === 'mongodb') {
    throw new RestoreRefusedError('this backup holds a SQLite database but MONGODB_URL is set, so the server would not read it; unset MONGODB_URL to restore it');
  }

  const present = await contentsOf(dataDir);
  if (present.length > 0 && !force) {
    throw new RestoreRefusedError(`DATA_DIR ${dataDir} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', ...' : ''}); restore into an empty directory, or pass --force to move its contents aside`);
  }
  const liveDb = path.join(dataDir, DATA_FILES.database);
  if (present.includes(DATA_FILES.database) && databaseInUse(liveDb)) {
    throw new RestoreRefusedError(`${liveDb} is open in a running Inkframe process; stop the server (and workers) first`);
  }

  const existed = await readdir(dataDir).then(() => true, () => false);
  await mkdir(dataDir, { recursive: true });
  const staging = await mkdtemp(path.join(dataDir, '.restore-'));
  try {
    log('unpacking into a staging directory');
    await unpack(options.archive, manifest, staging);
    if (manifest.database === 'sqlite') {
      const problems = integrityProblems(path.join(staging, DATA_FILES.database));
      if (problems.length > 0) throw new RestoreRefusedError(`the restored database fails integrity_check: ${problems.slice(0, 5).join('; ')}`);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existed) await rmdir(dataDir).catch(() => undefined);
    if (error instanceof RestoreRefusedError) throw error;
    throw new RestoreRefusedError(error instanceof Error ? error.message : String(error));
  }

  // From here on DATA_DIR changes; a failure leaves the staging and moved-aside directories for a manual finish.
  let movedAside: string | null = null;
  const previous = (await contentsOf(dataDir)).filter((name) => SERVER_FILES.includes(name));
  if (previous.length > 0) {
    // A stale -wal next to the restored database would be replayed into it: all of it goes.
    movedAside = path.join(dataDir, `.pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`);
    await mkdir(movedAside);
    for (const name of previous) await rename(path.join(dataDir, name), path.join(movedAside, name));
  }
  for (const name of await readdir(staging)) await rename(path.join(staging, name), path.join(dataDir, name));
  await fsyncDir(dataDir);
  await rm(staging, { recursive: true, force: true });
  return { manifest, movedAside };
}
