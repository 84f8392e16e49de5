/**
 * What a job run has produced (images, drafts), checkpointed on the job as it goes. A run that
 * is canceled or fails removes its outputs, and a run after a crash first removes what the
 * interrupted attempt left (recorded in the job's partial result), so handlers are idempotent.
 *
 * Write-ahead: reserveImage()/reserveDraft() checkpoint a fresh id before the output is
 * stored under it, so a crash between storing an output and checkpointing it cannot leave an
 * output the next attempt does not know about (an orphan draft next to the re-run's own).
 * A reserved id whose output never got stored is simply not found when discarded.
 */
import type { JobContext } from '../../ports/job-queue.js';
import { newId } from '../../lib/ids.js';
import type { DraftsStore } from '../drafts/drafts.store.js';

export interface JobOutputsDeps {
  removeImage(ownerId: string, imageId: string): Promise<void>;
  drafts: Pick<DraftsStore, 'discard'>;
}

const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);

export function createJobOutputs(deps: JobOutputsDeps, context: JobContext) {
  const owner = context.job.owner_id;
  const imageIds: string[] = [];
  const draftIds: string[] = [];

  async function remove(images: string[], drafts: string[]): Promise<void> {
    await deps.drafts.discard(drafts).catch(() => undefined);
    // An image the writer already deleted (or its project) is fine to miss.
    for (const id of images) await deps.removeImage(owner, id).catch(() => undefined);
  }

  const checkpoint = () => context.checkpoint({ image_ids: [...imageIds], draft_ids: [...draftIds], partial: true });

  return {
    imageIds,
    draftIds,

    /** Removes what an earlier, interrupted attempt of this job produced. */
    async discardEarlier(): Promise<void> {
      const previous = context.job.result;
      if (!previous) return;
      await remove(ids(previous.image_ids), ids(previous.draft_ids));
    },

    /** The id to store the next image under, checkpointed first. */
    async reserveImage(): Promise<string> {
      const id = newId();
      imageIds.push(id);
      await checkpoint();
      // Canceled or taken over meanwhile: store nothing more.
      context.signal.throwIfAborted();
      return id;
    },

    /** The id to store the next draft under, checkpointed first. */
    async reserveDraft(): Promise<string> {
      const id = newId();
      draftIds.push(id);
      await checkpoint();
      // Canceled or taken over meanwhile: store nothing more.
      context.signal.throwIfAborted();
      return id;
    },

    discard: () => remove([...imageIds], [...draftIds]),

    /** Runs `work`; on any failure (cancel included) removes the outputs before rethrowing. */
    async guard<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (error) {
        await remove([...imageIds], [...draftIds]);
        throw error;
      }
    },
  };
}

export type JobOutputs = ReturnType<typeof createJobOutputs>;
