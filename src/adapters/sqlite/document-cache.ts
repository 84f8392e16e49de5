/**
 * Recently read documents, by collection and id, as their stored JSON text. The hot path of
 * nearly every request is a primary-key `get` (the resource and its owner check); in the server
 * that lookup cost ~29 us against ~2 us for a hit here (bench/PROFILE.md).
 *
 * Only for a database this process alone writes (the embedded single-process setup): another
 * process's writes would not be seen. SqliteCore keeps it coherent: an entry is added only from
 * a read outside any transaction (so it holds committed data), every write removes the entries
 * it may change before it runs, and a rollback or a bulk delete clears everything.
 *
 * Bounded by the characters it holds; a document larger than an eighth of that is not kept.
 */
export class DocumentCache {
  /** Insertion order is recency order: a hit moves the entry to the end, the oldest go first. */
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  private static key(collection: string, id: string): string {
    return `${collection}\u0000${id}`;
  }

  get(collection: string, id: string): string | undefined {
    const key = DocumentCache.key(collection, id);
    const json = this.entries.get(key);
    if (json !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, json);
    }
    return json;
  }

  set(collection: string, id: string, json: string): void {
    this.forget(collection, id);
    if (json.length > this.maxChars / 8) return;
    this.entries.set(DocumentCache.key(collection, id), json);
    this.chars += json.length;
    for (const [oldest, value] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= value.length;
    }
  }

  forget(collection: string, id: string): void {
    const key = DocumentCache.key(collection, id);
    const json = this.entries.get(key);
    if (json === undefined) return;
    this.entries.delete(key);
    this.chars -= json.length;
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  /** Documents and characters held. */
  get size(): { documents: number; chars: number } {
    return { documents: this.entries.size, chars: this.chars };
  }
}
