/**
 * Start-up backfill of the derived dialogue fields (panel-derived.ts) for panels stored before
 * they existed (or planted without them). It works through the port, so it serves SQLite and
 * MongoDB alike, and it is idempotent: it only looks for panels without `word_count` (an index
 * lookup), so once everything is filled a start costs one empty query.
 *
 * Each filled panel gets a version bump like any other write (the store's rule). A panel
 * written meanwhile by someone else (another process starting, an edit) is skipped: that write
 * stored the fields itself.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import { VersionConflictError } from '../../errors.js';
import { panelDerived } from './panel-derived.js';

const PANELS = 'panels';
/** Panels per transaction: one commit (fsync) per batch, short enough not to hold writers up. */
const BATCH = 500;

type LegacyPanel = StoredDoc & { dialogue?: unknown };

/** Fills the derived fields of every panel that lacks them; returns how many were filled. */
export async function backfillPanelDerived(store: Pick<DocumentStore, 'find' | 'transaction'>, batch = BATCH): Promise<number> {
  // Panels still without the fields after our attempt (deleted meanwhile, or rewritten by an
  // older process) are not retried in this run, so the loop always ends.
  const skipped = new Set<string>();
  let filled = 0;
  for (;;) {
    const found = await store.find<LegacyPanel>(PANELS, { word_count: null }, { fields: ['dialogue', 'version'], limit: batch + skipped.size });
    const legacy = found.filter((panel) => !skipped.has(panel.id)).slice(0, batch);
    if (legacy.length === 0) return filled;
    filled += await store.transaction(async (tx) => {
      let written = 0;
      for (const panel of legacy) {
        try {
          if (await tx.update(PANELS, panel.id, panelDerived(panel.dialogue), { expectedVersion: panel.version })) written += 1;
          else skipped.add(panel.id);
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
          skipped.add(panel.id);
        }
      }
      return written;
    });
  }
}
