/**
 * What a backup archive holds and how its entries are named. The entry names mirror the
 * layout of DATA_DIR (the names container.ts and the files adapter use), so unpacking an
 * archive with the system `tar` also gives a working DATA_DIR; `manifest.json` comes last,
 * once every entry's checksum is known.
 */
import { readFile } from 'node:fs/promises';

export const FORMAT = 'inkframe-backup';
export const FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';

/** Names inside DATA_DIR, as container.ts and the files adapter use them. */
export const DATA_FILES = {
  database: 'inkframe.db',
  jwtSecret: 'jwt-secret',
  images: 'images',
} as const;

/** Everything the server may keep in DATA_DIR: what a forced restore moves aside. */
export const SERVER_FILES = [DATA_FILES.database, `${DATA_FILES.database}-wal`, `${DATA_FILES.database}-shm`, `${DATA_FILES.database}-journal`, DATA_FILES.jwtSecret, DATA_FILES.images];

const IMAGE_ENTRY = /^images\/originals\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export const imageEntryName = (sha256: string) => `images/originals/${sha256.slice(0, 2)}/${sha256}`;

/** The sha256 an image entry's bytes must have, or null when the name is not an image entry. */
export function imageHashOf(name: string): string | null {
  const match = IMAGE_ENTRY.exec(name);
  return match && match[2]!.startsWith(match[1]!) ? match[2]! : null;
}

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  format_version: number;
  created_at: string;
  app_version: string;
  /** sqlite: the database is in the archive; mongodb: it is not (taken with mongodump). */
  database: 'sqlite' | 'mongodb';
  counts: {
    /** Documents per collection in the snapshot (sqlite only). */
    documents: Record<string, number>;
    images: number;
    bytes: number;
  };
  /** Image files the snapshot refers to that were gone from disk when it was taken. */
  missing_images: string[];
  entries: ManifestEntry[];
}

/** The app's version from package.json (next to src/ and dist/ alike). */
export async function appVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const SHA256 = /^[0-9a-f]{64}$/;

/** Parses and checks the manifest's shape; throws a message naming what is wrong. */
export function parseManifest(text: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('manifest.json is not valid JSON');
  }
  const bad = (what: string) => new Error(`manifest.json: ${what}`);
  if (!isObject(value) || value.format !== FORMAT) throw bad(`"format" is not "${FORMAT}"`);
  if (value.format_version !== FORMAT_VERSION) throw bad(`format_version ${JSON.stringify(value.format_version)} is not supported (this version reads ${FORMAT_VERSION})`);
  if (value.database !== 'sqlite' && value.database !== 'mongodb') throw bad('"database" must be "sqlite" or "mongodb"');
  if (typeof value.created_at !== 'string' || typeof value.app_version !== 'string') throw bad('"created_at" and "app_version" must be strings');
  const counts = value.counts;
  if (!isObject(counts) || !isObject(counts.documents) || !isCount(counts.images) || !isCount(counts.bytes)) throw bad('"counts" is malformed');
  if (!Object.values(counts.documents).every(isCount)) throw bad('"counts.documents" is malformed');
  if (!Array.isArray(value.missing_images) || !value.missing_images.every((hash) => typeof hash === 'string' && SHA256.test(hash))) throw bad('"missing_images" is malformed');
  if (!Array.isArray(value.entries)) throw bad('"entries" must be a list');
  const names = new Set<string>();
  for (const entry of value.entries as unknown[]) {
    if (!isObject(entry) || typeof entry.name !== 'string' || !isCount(entry.size) || typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256)) throw bad('an entry is malformed');
    if (!isKnownEntry(entry.name)) throw bad(`unexpected entry "${entry.name}"`);
    if (names.has(entry.name)) throw bad(`entry "${entry.name}" is listed twice`);
    names.add(entry.name);
  }
  if (value.database === 'sqlite' && !names.has(DATA_FILES.database)) throw bad(`a sqlite backup must contain ${DATA_FILES.database}`);
  if (value.database === 'mongodb' && names.has(DATA_FILES.database)) throw bad(`a mongodb backup must not contain ${DATA_FILES.database}`);
  return value as unknown as Manifest;
}

/** The only names an archive may contain: nothing else is ever written to disk. */
export function isKnownEntry(name: string): boolean {
  return name === DATA_FILES.database || name === DATA_FILES.jwtSecret || imageHashOf(name) !== null;
}
