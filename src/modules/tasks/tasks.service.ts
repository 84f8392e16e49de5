/**
 * Text tasks (LLM): the catalogue of task types, and running one on a target the user owns
 * (202 with the queued job; task-jobs.ts does the work). A finished task leaves a text draft.
 */
import type { TextProvider } from '../../ports/ai-providers.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobDoc, JobQueue } from '../../ports/job-queue.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { TASK_TYPES, TEXT_TASKS } from '../../lib/text-tasks.js';
import { createJobRecords, pickSeed } from '../generation/job-records.js';
import type { StoryLoader } from '../generation/story-context.js';
import type { TaskExecuteBody, TaskResult, TaskTypeInfo } from './tasks.schemas.js';

export interface TasksDeps {
  store: Pick<DocumentStore, 'get' | 'findPage'>;
  queue: Pick<JobQueue, 'enqueue' | 'cancel'>;
  story: Pick<StoryLoader, 'resolve'>;
  provider: Pick<TextProvider, 'name' | 'model'>;
}

const DEFAULT_VARIANTS = 2;

export function createTasksService(deps: TasksDeps) {
  const { queue, story, provider } = deps;
  const records = createJobRecords('task', deps);
  const types: TaskTypeInfo[] = TASK_TYPES.map((type) => ({
    type,
    description: TEXT_TASKS[type].description,
    targets: [...TEXT_TASKS[type].targets],
    structured: TEXT_TASKS[type].schema !== undefined,
  }));

  return {
    types: (): TaskTypeInfo[] => types,
    status: records.load,
    cancel: records.cancel,

    async execute(userId: string, body: TaskExecuteBody): Promise<JobDoc> {
      const accepted = TEXT_TASKS[body.type].targets;
      if (!accepted.includes(body.target.type)) throw ValidationError.field('target.type', `A ${body.type} task takes a ${accepted.join(' or ')}`);
      const { project_id } = await story.resolve(userId, body.target);
      const seed = pickSeed(body.params?.seed);
      return queue.enqueue({
        kind: 'task',
        type: body.type,
        owner_id: userId,
        project_id,
        params: { target: body.target, variants: body.params?.variants ?? DEFAULT_VARIANTS, seed, ...(body.params?.instructions ? { instructions: body.params.instructions } : {}) },
        provider: provider.name,
        model: provider.model,
        prompt: null,
        seed,
      });
    },

    /** The outcome of a finished task; 409 while it is queued or running. */
    async result(userId: string, taskId: string): Promise<TaskResult> {
      const job = await records.load(userId, taskId);
      if (job.status === 'queued' || job.status === 'running') throw new ConflictError(`The task has not finished yet (${job.status})`, { status: job.status });
      return { task_id: job.id, type: job.type, status: job.status, draft_id: job.draft_id, result: job.result, error: job.error, finished_at: job.finished_at };
    },
  };
}

export type TasksService = ReturnType<typeof createTasksService>;
