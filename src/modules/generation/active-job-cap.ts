/**
 * Per-user cap on queued + running jobs (OWASP API4, unrestricted resource consumption). Every
 * path that queues work (generation, tasks, workflows, draft revisions, consistency checks)
 * goes through the one JobQueue, so the cap wraps the queue instead of each caller. The
 * per-request rate limits bound how fast jobs arrive; this bounds how many pile up.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import { JOBS_COLLECTION, type JobQueue } from '../../ports/job-queue.js';
import { RateLimitedError } from '../../errors.js';
import { createKeyedLock } from '../../lib/keyed-lock.js';

export interface ActiveJobCapDeps {
  store: Pick<DocumentStore, 'count'>;
  maxPerUser: number;
}

/** A short wait: jobs finish in seconds to minutes, and the client should poll rather than hammer. */
const RETRY_AFTER_SECONDS = 10;

export function capActiveJobs(queue: JobQueue, { store, maxPerUser }: ActiveJobCapDeps): JobQueue {
  // Count-then-enqueue is serialised per user in this process, so parallel requests cannot
  // slip past the cap together (across instances it may be passed by a few at most).
  const perUser = createKeyedLock();
  return {
    handle: (type, handler) => queue.handle(type, handler),
    cancel: (jobId) => queue.cancel(jobId),
    start: () => queue.start(),
    stop: () => queue.stop(),
    enqueue: (job) =>
      perUser.run(job.owner_id, async () => {
        const active = await store.count(JOBS_COLLECTION, { owner_id: job.owner_id, status: { $in: ['queued', 'running'] } });
        if (active >= maxPerUser) {
          throw new RateLimitedError(
            RETRY_AFTER_SECONDS,
            `You have ${active} jobs queued or running, the most allowed at once is ${maxPerUser}; wait for some to finish or cancel them`,
            { active_jobs: active, max_active_jobs: maxPerUser },
          );
        }
        return queue.enqueue(job);
      }),
  };
}
