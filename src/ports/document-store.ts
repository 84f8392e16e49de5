/**
 * DocumentStore: the persistence port every service uses. Documents are plain objects with
 * snake_case fields and an app-generated 24-hex `id`. Adapters (SQLite, MongoDB) must pass
 * the contract suite in test/contracts/document-store.contract.ts.
 */

/** Every stored document carries these; `version` starts at 1 and grows by 1 per change. */
export interface StoredDoc {
  id: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export type Scalar = string | number | boolean | null;

/**
 * A filter is a conjunction of conditions on top-level fields:
 * - `field: value`                  equality (null matches a missing field too)
 * - `field: { $in: [...] }`         one of the values
 * - `field: { $ne: value }`         not equal
 * - `field: { $gte / $gt / $lte / $lt: value }`  range (numbers or ISO strings)
 * - `field: { $contains: value }`   the array field holds that value (an index lookup when the
 *                                    collection declares an `array` index on it, ports/collections.ts)
 */
export type Condition =
  | Scalar
  | { $in: Scalar[] }
  | { $ne: Scalar }
  | { $contains: Scalar }
  | { $gte?: Scalar; $gt?: Scalar; $lte?: Scalar; $lt?: Scalar };
export type Filter = Record<string, Condition>;

export interface SortKey {
  field: string;
  direction: 1 | -1;
}

export interface FindOptions {
  /** Applied in order; `id` is always appended as a final tie-breaker so pages are stable. */
  sort?: SortKey[];
  skip?: number;
  limit?: number;
  /**
   * Projection: only these top-level fields (and `id`) are read and returned; a field the
   * document lacks stays absent. Default: the whole document. Lists and scans that need a
   * few fields use it: MongoDB then ships only those, and SQLite answers fields its indexes
   * hold without parsing the documents (ids only: from the primary key alone).
   */
  fields?: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** What totals() answers: the number of matches and, per requested field, the sum of its numeric values. */
export interface Totals {
  count: number;
  sums: Record<string, number>;
}

export interface UpdateOptions {
  /** When set and not equal to the stored version, the update fails with VersionConflictError. */
  expectedVersion?: number;
}

/** The fields a caller may set: everything except the managed ones. */
export type Patch<T> = Partial<Omit<T, 'id' | 'created_at' | 'updated_at' | 'version'>>;
export type NewDoc<T extends StoredDoc> = Omit<T, 'created_at' | 'updated_at' | 'version'> &
  Partial<Pick<T, 'created_at' | 'updated_at' | 'version'>>;

export interface DocumentStore {
  /** Inserts a document; sets created_at/updated_at (unless given) and version 1. A duplicate id or unique key is ConflictError. */
  insert<T extends StoredDoc>(collection: string, doc: NewDoc<T>): Promise<T>;
  /** Inserts many documents at once (same rules as insert, all or nothing). */
  insertMany<T extends StoredDoc>(collection: string, docs: NewDoc<T>[]): Promise<T[]>;
  get<T extends StoredDoc>(collection: string, id: string): Promise<T | null>;
  findOne<T extends StoredDoc>(collection: string, filter: Filter): Promise<T | null>;
  find<T extends StoredDoc>(collection: string, filter: Filter, options?: FindOptions): Promise<T[]>;
  /** One page plus the total number of matches (ignoring skip/limit). */
  findPage<T extends StoredDoc>(collection: string, filter: Filter, options: FindOptions): Promise<Page<T>>;
  count(collection: string, filter: Filter): Promise<number>;
  /**
   * Aggregates in the store (no documents are shipped): how many documents match and the sum
   * of each of `sumFields` over them; a missing or non-number value (booleans included) adds 0.
   */
  totals(collection: string, filter: Filter, sumFields: string[]): Promise<Totals>;
  /**
   * Partial update: only the given fields change; bumps version and updated_at.
   * Returns null when no document has that id; throws VersionConflictError on a stale expectedVersion.
   */
  update<T extends StoredDoc>(collection: string, id: string, patch: Patch<T>, options?: UpdateOptions): Promise<T | null>;
  /** Returns true when a document was deleted. */
  delete(collection: string, id: string): Promise<boolean>;
  /** Returns the number of documents deleted. */
  deleteMany(collection: string, filter: Filter): Promise<number>;
  /**
   * Runs fn with a store bound to one transaction: all its writes commit together or none do.
   * Work outside the transaction waits until it ends. Do no slow I/O inside fn.
   */
  transaction<R>(fn: (tx: DocumentStore) => Promise<R>): Promise<R>;
  /** Cheap liveness check for health probes. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
