/**
 * Bulk select / reject: each draft goes through the single-draft action on its own (its own
 * transaction), in the order given; one failure is reported in its result and does not stop
 * the others. A select without a variant for a draft takes its first variant.
 */
import { AppError, ValidationError } from '../../errors.js';
import type { BulkActionBody, BulkResult } from './drafts.schemas.js';

export type BulkInput = BulkActionBody;
type Outcome = BulkResult['results'][number];

/** 422 for a body whose parts do not fit together (checked before anything changes). */
export function checkBulk(input: BulkInput): void {
  const variantIds = input.variant_ids ?? {};
  if (input.action !== 'select' && Object.keys(variantIds).length > 0) throw ValidationError.field('variant_ids', 'only goes with action select');
  if (input.action !== 'reject' && input.reason !== undefined) throw ValidationError.field('reason', 'only goes with action reject');
  const listed = new Set(input.draft_ids);
  const stray = Object.keys(variantIds).find((draftId) => !listed.has(draftId));
  if (stray !== undefined) throw ValidationError.field(`variant_ids.${stray}`, 'names a draft that is not in draft_ids');
}

/** The failure as a client sees it from the single-draft endpoint: its message (with field details) and code. */
export function describeError(error: unknown): { error: string; code: string } {
  if (!(error instanceof AppError)) return { error: 'Internal server error', code: 'internal_error' };
  const details = Array.isArray(error.details) ? error.details.map((detail) => `${detail.field}: ${detail.message}`).join('; ') : '';
  return { error: details ? `${error.message} (${details})` : error.message, code: error.code };
}

export async function runBulk(input: BulkInput, act: (draftId: string, variantId: string | undefined) => Promise<unknown>): Promise<BulkResult> {
  checkBulk(input);
  const results: Outcome[] = [];
  for (const draftId of input.draft_ids) {
    try {
      await act(draftId, input.variant_ids?.[draftId]);
      results.push({ draft_id: draftId, ok: true });
    } catch (error) {
      results.push({ draft_id: draftId, ok: false, ...describeError(error) });
    }
  }
  return { results };
}
