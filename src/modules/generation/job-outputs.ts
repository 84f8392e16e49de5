/**
 * What a job run has produced (images, drafts), checkpointed on the job as it goes. A run that
 * is canceled or fails removes its outputs, and a run after a crash first removes what the
 * interrupted attempt left (recorded in the job's partial result), so handlers are idempotent.
 */
import type { JobContext } from '../../ports/job-queue.js';
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

    async addImage(id: string): Promise<void> {
      imageIds.push(id);
      await checkpoint();
    },

    async addDraft(id: string): Promise<void> {
      draftIds.push(id);
      await checkpoint();
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
