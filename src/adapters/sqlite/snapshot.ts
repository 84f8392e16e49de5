/**
 * Online snapshots of the SQLite database for backups, and the checks a restore makes.
 *
 * `VACUUM INTO` runs inside one read transaction on its own read-only connection: under WAL
 * it sees exactly the last commit before it started, however much the server writes
 * meanwhile, and never blocks the server's writers (the online backup API would restart
 * whenever another connection writes, and might never finish under steady writes).
 */
import Database from 'better-sqlite3';
import { META_TABLE } from './migrations.js';

const COLLECTION_TABLE = /^[a-z_][a-z0-9_]*$/;

function openReadOnly(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Writes a consistent, compacted copy of the live database `source` to `target` (must not exist). */
export function snapshotDatabase(source: string, target: string): void {
  const db = openReadOnly(source);
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
}

export interface SnapshotContents {
  /** Rows per collection table. */
  documents: Record<string, number>;
  /** Every distinct sha256 the image records refer to. */
  imageHashes: string[];
}

/** What a snapshot holds: document counts, and the image files it needs. */
export function describeSnapshot(file: string): SnapshotContents {
  const db = openReadOnly(file);
  try {
    // Collection tables only: not SQLite's own, the meta table, or index side tables (their names hold a dot).
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]).filter(
      (name) => COLLECTION_TABLE.test(name) && !name.startsWith('sqlite_') && name !== META_TABLE,
    );
    const documents: Record<string, number> = {};
    for (const table of tables) documents[table] = db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
    const imageHashes = tables.includes('images')
      ? (db.prepare(`SELECT DISTINCT json_extract(data, '$.sha256') FROM images WHERE json_type(data, '$.sha256') = 'text'`).pluck().all() as string[])
      : [];
    return { documents, imageHashes };
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check`: an empty list when the file is sound, SQLite's complaints otherwise. */
export function integrityProblems(file: string): string[] {
  let db: Database.Database;
  try {
    db = openReadOnly(file);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((row) => row.integrity_check).filter((text) => text !== 'ok');
    return problems;
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    db.close();
  }
}

/**
 * True when another connection (a running server or worker) has the database open. Each open
 * WAL connection holds a shared lock on the file as long as it lives, so asking for an
 * exclusive lock without waiting fails exactly while one is open. When nobody has it open the
 * probe may replay a WAL left by a crash, which only brings the file up to date.
 */
export function databaseInUse(file: string): boolean {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY' || (error as { code?: string }).code === 'SQLITE_LOCKED') return true;
    throw error;
  } finally {
    db.close();
  }
}
