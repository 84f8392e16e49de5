import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { newId } from '../../lib/ids.js';

interface RevokedToken extends StoredDoc {
  key: string;
  /** Epoch ms after which the entry is useless (the tokens it revokes have expired). */
  expires_at: number;
  /** For user cut-offs: tokens issued before this epoch ms are invalid. */
  cutoff?: number;
}

interface Entry {
  expiresAt: number;
  cutoff?: number;
}

const COLLECTION = 'revoked_tokens';

/**
 * The embedded denylist: an in-memory map answers the per-request checks; every change is
 * written through to the DocumentStore so revocations survive a restart. Single process only
 * (several processes use the Redis adapter).
 */
export async function createStoredTokenDenylist(store: DocumentStore, now: () => number = Date.now): Promise<TokenDenylist> {
  const entries = new Map<string, Entry>();
  await store.deleteMany(COLLECTION, { expires_at: { $lt: now() } });
  for (const doc of await store.find<RevokedToken>(COLLECTION, {})) {
    entries.set(doc.key, { expiresAt: doc.expires_at, ...(doc.cutoff === undefined ? {} : { cutoff: doc.cutoff }) });
  }

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt < now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async function persist(key: string, entry: Entry): Promise<void> {
    const fields = { expires_at: entry.expiresAt, ...(entry.cutoff === undefined ? {} : { cutoff: entry.cutoff }) };
    const existing = await store.findOne<RevokedToken>(COLLECTION, { key });
    if (existing) await store.update<RevokedToken>(COLLECTION, existing.id, fields);
    else await store.insert<RevokedToken>(COLLECTION, { id: newId(), key, ...fields });
  }

  return {
    async revoke(key, expiresAtMs) {
      // Check and mark synchronously: this is what makes the revoke atomic within the process.
      if (live(key)) return false;
      const entry = { expiresAt: expiresAtMs };
      entries.set(key, entry);
      await persist(key, entry);
      return true;
    },
    async isRevoked(key) {
      return live(key) !== undefined;
    },
    async revokeUserTokensBefore(userId, cutoffMs, expiresAtMs) {
      const entry = { expiresAt: expiresAtMs, cutoff: cutoffMs };
      entries.set(`user:${userId}`, entry);
      await persist(`user:${userId}`, entry);
    },
    async userCutoff(userId) {
      return live(`user:${userId}`)?.cutoff ?? null;
    },
    async close() {
      entries.clear();
    },
  };
}
