/**
 * The events a job publishes through the EventBus (the WebSocket gateway forwards them):
 * `generation_progress` on every state change and progress report, and for text tasks a
 * `task_complete` when they end.
 */
import type { EventBus } from '../../ports/event-bus.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { nowIso } from '../../lib/time.js';

type JobState = Pick<JobDoc, 'id' | 'kind' | 'owner_id' | 'project_id' | 'status' | 'progress' | 'draft_id' | 'error'>;

export function createJobEvents(events: Pick<EventBus, 'publish'>) {
  const publish = async (job: JobState, type: string, data: Record<string, unknown>) => {
    // Every job the app creates belongs to a project; one without cannot be routed to a socket.
    if (!job.project_id) return;
    await events.publish({ type, project_id: job.project_id, owner_id: job.owner_id, data, timestamp: nowIso() }).catch(() => undefined);
  };

  const progress = (job: JobState, message?: string) =>
    publish(job, 'generation_progress', {
      job_id: job.id,
      kind: job.kind,
      status: job.status,
      progress: job.progress,
      ...(message ? { message } : {}),
    });

  return {
    progress,

    async finished(job: JobState) {
      await progress(job, job.error ?? undefined);
      if (job.kind !== 'task') return;
      await publish(job, 'task_complete', {
        task_id: job.id,
        status: job.status,
        ...(job.draft_id ? { draft_id: job.draft_id } : {}),
        ...(job.error ? { error: job.error } : {}),
      });
    },
  };
}
