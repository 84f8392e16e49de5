/**
 * Reading and canceling the user's jobs: a job of another user, or of the other kind
 * (a task asked for through /generate, or the reverse), is a 404.
 */
import type { DocumentStore, Filter } from '../../ports/document-store.js';
import { JOBS_COLLECTION, type JobDoc, type JobKind, type JobQueue } from '../../ports/job-queue.js';
import { NotFoundError } from '../../errors.js';
import { randomInt } from 'node:crypto';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { MAX_SEED } from './jobs.schemas.js';

export interface JobRecordsDeps {
  store: Pick<DocumentStore, 'get' | 'findPage'>;
  queue: Pick<JobQueue, 'cancel'>;
}

/** A seed for jobs that did not ask for one; stored on the job so a re-run draws the same. */
export const pickSeed = (seed: number | undefined): number => seed ?? randomInt(0, MAX_SEED);

export function createJobRecords(kind: JobKind, { store, queue }: JobRecordsDeps) {
  const label = kind === 'generation' ? 'Generation' : 'Task';

  async function load(userId: string, jobId: string): Promise<JobDoc> {
    const job = await store.get<JobDoc>(JOBS_COLLECTION, jobId);
    if (!job || job.owner_id !== userId || job.kind !== kind) throw new NotFoundError(label);
    return job;
  }

  return {
    load,

    async cancel(userId: string, jobId: string): Promise<JobDoc> {
      await load(userId, jobId);
      return queue.cancel(jobId);
    },

    async list(userId: string, query: PageRequest & { project_id?: string; status?: string; type?: string }): Promise<PageResult<JobDoc>> {
      const filter: Filter = { owner_id: userId, kind };
      if (query.project_id !== undefined) filter.project_id = query.project_id;
      if (query.status !== undefined) filter.status = query.status;
      if (query.type !== undefined) filter.type = query.type;
      const { items, total } = await store.findPage<JobDoc>(JOBS_COLLECTION, filter, { skip: query.skip, limit: query.limit, sort: parseSort(query.sort) });
      return toPage(items, total, query);
    },
  };
}

export type JobRecords = ReturnType<typeof createJobRecords>;
