/**
 * Versioned schema migrations. Collection tables and indexes come from the declarations in
 * ports/collections.ts (see schema.ts); migrations are for everything those cannot express:
 * reshaping stored documents, renaming a collection, backfilling a field.
 *
 * The applied version is `PRAGMA user_version`. Pending migrations run at open in one
 * IMMEDIATE transaction, so a failure leaves the database at its previous version and two
 * processes opening the same file never both migrate. Append only: never edit or reorder a
 * migration that has shipped.
 */
import type Database from 'better-sqlite3';
import { nowIso } from '../../lib/time.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** Internal key/value table; its name is reserved (no collection may use it). */
export const META_TABLE = 'inkframe_meta';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema: meta table (collection tables come from the declarations)',
    up(db) {
      db.exec(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      db.prepare(`INSERT OR IGNORE INTO ${META_TABLE} (key, value) VALUES ('schema_created_at', ?)`).run(nowIso());
    },
  },
];

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the pending migrations in order; returns the version the database is now at. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    const previous = i === 0 ? 0 : (migrations[i - 1] as Migration).version;
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new Error(`Migrations must have strictly increasing positive integer versions (at "${m.description}")`);
    }
  });
  const latest = latestVersion(migrations);
  const run = db.transaction(() => {
    // Read inside the write lock: another process may have migrated meanwhile.
    const current = userVersion(db);
    if (current > latest) {
      throw new Error(`Database schema version ${current} is newer than this build supports (${latest})`);
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  });
  run.immediate();
  return userVersion(db);
}
