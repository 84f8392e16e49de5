/**
 * The synchronous document operations on one better-sqlite3 connection. The async
 * DocumentStore views in sqlite-document-store.ts decide *when* these may run (outside or
 * inside a transaction); this class only knows *how*.
 */
import type Database from 'better-sqlite3';
import { ConflictError, VersionConflictError } from '../../errors.js';
import { nowIso } from '../../lib/time.js';
import type { CollectionSpec } from '../../ports/collections.js';
import type { Filter, FindOptions, NewDoc, Page, Patch, StoredDoc, Totals, UpdateOptions } from '../../ports/document-store.js';
import { assertFieldName, decodeFields, limitSql, orderBySql, pickFields, projectedFields, selectFieldsSql, whereSql, type SqlFragment } from './filter-sql.js';
import { arrayIndexTables, ensureCollection } from './schema.js';
import { elementRows } from './array-index.js';
import type { DocumentCache } from './document-cache.js';

/** Distinct SQL texts grow with filter shapes ($in lengths); bound the cache so it cannot leak. */
const STATEMENT_CACHE_LIMIT = 1000;
const MANAGED_IN_PATCH = new Set(['id', 'created_at', 'updated_at', 'version', '__proto__']);

type Doc = Record<string, unknown> & StoredDoc;
/** The fields of a collection's (expression) indexes, and the side tables of its array indexes. */
interface IndexLayout {
  arrays: ReadonlyMap<string, string>;
  indexed: ReadonlySet<string>;
}
/** rows: objects; pluck: the first column; raw: arrays of columns. */
type StatementMode = 'rows' | 'pluck' | 'raw';

export class SqliteCore {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tables = new Set<string>();
  /** Per collection: what its declared indexes offer to queries. */
  private readonly layouts = new Map<string, IndexLayout>();
  /** Tables created inside the open transaction: forgotten on rollback since their CREATE is undone too. */
  private readonly tablesInTx: string[] = [];
  private readonly atomic: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly db: Database.Database,
    private readonly specs: Record<string, CollectionSpec>,
    /** Only when this process is the database's only writer (see document-cache.ts). */
    private readonly cache?: DocumentCache,
  ) {
    this.atomic = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs fn atomically: an IMMEDIATE transaction, or a savepoint inside an open transaction. */
  private atomically<R>(fn: () => R): R {
    return this.atomic.immediate(fn) as R;
  }

  private statement(sql: string, mode: StatementMode = 'rows'): Database.Statement {
    const key = `${mode[0]}${sql}`;
    let stmt = this.statements.get(key);
    if (stmt === undefined) {
      if (!this.db.open) throw new Error('The SQLite document store is closed');
      stmt = this.db.prepare(sql);
      if (mode === 'pluck') stmt.pluck();
      else if (mode === 'raw') stmt.raw();
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  /** The quoted table name, creating the table on first use of an undeclared collection. */
  private table(collection: string): string {
    if (!this.tables.has(collection)) {
      if (!this.db.open) throw new Error('The SQLite document store is closed');
      ensureCollection(this.db, collection, this.specs[collection] ?? { indexes: [] });
      this.tables.add(collection);
      if (this.db.inTransaction) this.tablesInTx.push(collection);
    }
    return `"${collection}"`;
  }

  private layout(collection: string): IndexLayout {
    let layout = this.layouts.get(collection);
    if (layout === undefined) {
      const spec = this.specs[collection];
      const indexed = new Set((spec?.indexes ?? []).filter((index) => !index.array).flatMap((index) => index.fields));
      layout = { arrays: arrayIndexTables(collection, spec), indexed };
      this.layouts.set(collection, layout);
    }
    return layout;
  }

  /** The WHERE clause for a filter on `collection` ($contains uses its array indexes). */
  private where(collection: string, filter: Filter): SqlFragment {
    return whereSql(filter, this.layout(collection).arrays);
  }

  /** Builds every declared collection at open (in one transaction). */
  ensureDeclared(): void {
    this.atomically(() => {
      for (const name of Object.keys(this.specs)) this.table(name);
    });
    this.tablesInTx.length = 0;
  }

  afterCommit(): void {
    this.tablesInTx.length = 0;
  }

  /** After a (savepoint) rollback: re-check the tables created since the transaction began. */
  afterRollback(): void {
    this.cache?.clear();
    if (this.tablesInTx.length === 0) return;
    for (const name of this.tablesInTx) this.tables.delete(name);
    this.tablesInTx.length = 0;
    this.statements.clear();
  }

  clearStatements(): void {
    this.cache?.clear();
    this.statements.clear();
  }

  private conflict(error: unknown, collection: string): unknown {
    const code = (error as { code?: unknown })?.code;
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new ConflictError(`A document with that key already exists in ${collection}`);
    }
    return error;
  }

  private prepareNew(doc: Record<string, unknown>, now: string): string {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('A document must be an object');
    if (typeof doc.id !== 'string' || doc.id === '') throw new Error('A document needs a non-empty string id');
    const created = (doc.created_at as string | undefined) ?? now;
    return JSON.stringify({
      ...doc,
      created_at: created,
      updated_at: (doc.updated_at as string | undefined) ?? created,
      version: (doc.version as number | undefined) ?? 1,
    });
  }

  /** Writes the array-index rows of a stored document; with `changed`, only those fields', replacing their old rows. */
  private indexArrays(collection: string, stored: Doc, changed?: ReadonlySet<string>): void {
    for (const [field, table] of this.layout(collection).arrays) {
      if (changed !== undefined) {
        if (!changed.has(field)) continue;
        this.statement(`DELETE FROM "${table}" WHERE id = ?`).run(stored.id);
      }
      const rows = elementRows(stored[field]);
      if (rows.length === 0) continue;
      const insert = this.statement(`INSERT INTO "${table}" (type, value, id) VALUES (?, ?, ?)`);
      for (const [type, value] of rows) insert.run(type, value, stored.id);
    }
  }

  insert<T extends StoredDoc>(collection: string, doc: NewDoc<T>): T {
    const table = this.table(collection);
    const json = this.prepareNew(doc as Record<string, unknown>, nowIso());
    const stored = JSON.parse(json) as Doc;
    this.cache?.forget(collection, doc.id);
    const write = () => {
      try {
        this.statement(`INSERT INTO ${table} (id, data) VALUES (?, ?)`).run(doc.id, json);
      } catch (error) {
        throw this.conflict(error, collection);
      }
      this.indexArrays(collection, stored);
    };
    // The document and its array-index rows commit together.
    if (this.layout(collection).arrays.size === 0) write();
    else this.atomically(write);
    return stored as unknown as T;
  }

  insertMany<T extends StoredDoc>(collection: string, docs: NewDoc<T>[]): T[] {
    const table = this.table(collection);
    if (!Array.isArray(docs)) throw new Error('insertMany needs an array');
    const now = nowIso();
    const rows = docs.map((doc) => [doc.id, this.prepareNew(doc as Record<string, unknown>, now)] as const);
    const stored = rows.map(([, json]) => JSON.parse(json) as Doc);
    for (const [id] of rows) this.cache?.forget(collection, id);
    const stmt = this.statement(`INSERT INTO ${table} (id, data) VALUES (?, ?)`);
    this.atomically(() => {
      try {
        rows.forEach(([id, json]) => stmt.run(id, json));
      } catch (error) {
        throw this.conflict(error, collection);
      }
      for (const doc of stored) this.indexArrays(collection, doc);
    });
    return stored as unknown as T[];
  }

  get<T extends StoredDoc>(collection: string, id: string): T | null {
    const cached = this.cache?.get(collection, id);
    if (cached !== undefined) return JSON.parse(cached) as T;
    const data = this.statement(`SELECT data FROM ${this.table(collection)} WHERE id = ?`, 'pluck').get(id) as string | undefined;
    if (data === undefined) return null;
    // Only committed data is kept: inside a transaction a read may see writes that could still be undone.
    if (!this.db.inTransaction) this.cache?.set(collection, id, data);
    return JSON.parse(data) as T;
  }

  find<T extends StoredDoc>(collection: string, filter: Filter, options: FindOptions = {}): T[] {
    const table = this.table(collection);
    const where = this.where(collection, filter);
    const limit = limitSql(options);
    const tail = `FROM ${table}${where.sql}${orderBySql(options)}${limit.sql}`;
    const fields = options.fields === undefined ? undefined : projectedFields(options.fields);
    const { indexed } = this.layout(collection);
    if (fields !== undefined && fields.every((field) => indexed.has(field))) {
      // Only indexed fields (or just ids): SQLite reads them from an index where one covers the
      // query, so the documents are not even parsed. Extracting other fields in SQL would cost
      // more than one JSON.parse of the document (SQLite parses JSON slower than V8), so those
      // projections read the document and keep the fields below.
      const rows = this.statement(`SELECT ${selectFieldsSql(fields)} ${tail}`, 'raw').all(...where.params, ...limit.params) as unknown[][];
      return rows.map((row) => decodeFields(fields, row) as T);
    }
    const rows = this.statement(`SELECT data ${tail}`, 'pluck').all(...where.params, ...limit.params) as string[];
    if (fields === undefined) return rows.map((data) => JSON.parse(data) as T);
    return rows.map((data) => pickFields(fields, JSON.parse(data) as Doc) as T);
  }

  findOne<T extends StoredDoc>(collection: string, filter: Filter): T | null {
    return this.find<T>(collection, filter, { limit: 1 })[0] ?? null;
  }

  count(collection: string, filter: Filter): number {
    const table = this.table(collection);
    const where = this.where(collection, filter);
    return this.statement(`SELECT count(*) FROM ${table}${where.sql}`, 'pluck').get(...where.params) as number;
  }

  /** count(*) and one SUM per field, numbers only; written like the index expressions so an index can answer alone. */
  totals(collection: string, filter: Filter, sumFields: string[]): Totals {
    const table = this.table(collection);
    const where = this.where(collection, filter);
    const fields = [...new Set(sumFields)];
    const sums = fields.map((field) => {
      if (field === 'id') return '0';
      assertFieldName(field);
      const path = `'$.${field}'`;
      return `coalesce(sum(CASE WHEN json_type(data, ${path}) IN ('integer', 'real') THEN json_extract(data, ${path}) END), 0)`;
    });
    const row = this.statement(`SELECT ${['count(*)', ...sums].join(', ')} FROM ${table}${where.sql}`, 'raw').get(...where.params) as number[];
    return { count: row[0] as number, sums: Object.fromEntries(fields.map((field, i) => [field, row[i + 1] as number])) };
  }

  findPage<T extends StoredDoc>(collection: string, filter: Filter, options: FindOptions): Page<T> {
    // Both queries run in one synchronous stretch, so nothing can change in between.
    return { items: this.find<T>(collection, filter, options), total: this.count(collection, filter) };
  }

  update<T extends StoredDoc>(collection: string, id: string, patch: Patch<T>, options: UpdateOptions = {}): T | null {
    this.cache?.forget(collection, id);
    const table = this.table(collection);
    const select = this.statement(`SELECT data FROM ${table} WHERE id = ?`, 'pluck');
    const write = this.statement(`UPDATE ${table} SET data = ? WHERE id = ?`);
    // IMMEDIATE so another process sharing the file cannot write between our read and write.
    return this.atomically(() => {
      const data = select.get(id) as string | undefined;
      if (data === undefined) return null;
      const doc = JSON.parse(data) as Doc;
      if (options.expectedVersion !== undefined && options.expectedVersion !== doc.version) {
        throw new VersionConflictError(doc.version);
      }
      const { arrays } = this.layout(collection);
      const before = new Map<string, string | undefined>();
      for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
        if (value === undefined || MANAGED_IN_PATCH.has(key)) continue;
        if (arrays.has(key) && !before.has(key)) before.set(key, JSON.stringify(doc[key]));
        doc[key] = value;
      }
      doc.version += 1;
      doc.updated_at = nowIso();
      const json = JSON.stringify(doc);
      try {
        write.run(json, id);
      } catch (error) {
        throw this.conflict(error, collection);
      }
      const stored = JSON.parse(json) as Doc;
      if (before.size > 0) {
        const changed = new Set([...before].filter(([field, old]) => JSON.stringify(stored[field]) !== old).map(([field]) => field));
        if (changed.size > 0) this.indexArrays(collection, stored, changed);
      }
      return stored as unknown as T;
    });
  }

  delete(collection: string, id: string): boolean {
    this.cache?.forget(collection, id);
    return this.statement(`DELETE FROM ${this.table(collection)} WHERE id = ?`).run(id).changes > 0;
  }

  deleteMany(collection: string, filter: Filter): number {
    // Which ids go is known only to SQLite: forget everything (bulk deletes are rare).
    this.cache?.clear();
    const table = this.table(collection);
    const where = this.where(collection, filter);
    return this.statement(`DELETE FROM ${table}${where.sql}`).run(...where.params).changes;
  }

  ping(): boolean {
    if (!this.db.open) return false;
    return this.statement('SELECT 1', 'pluck').get() === 1;
  }
}
