/**
 * The job resource (API.md "generation" and "task"): what every generation and task endpoint
 * answers with. Shared by the generation and tasks modules.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, ResourceBase, Timestamp } from '../../http/schemas.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;

const JobStatus = Type.Unsafe<(typeof JOB_STATUSES)[number]>(Type.String({ enum: [...JOB_STATUSES], description: 'queued -> running -> succeeded | failed | canceled' }));
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const MAX_SEED = 4_294_967_295;
export const Seed = Type.Integer({ minimum: 0, maximum: MAX_SEED, description: 'Same prompt + seed = same image on deterministic providers' });

export const Job = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Nullable(Id),
    kind: Type.Union([Type.Literal('generation'), Type.Literal('task')]),
    type: Type.String({ description: 'What the job does, e.g. image, panel_sequence, scene_summary' }),
    status: JobStatus,
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    params: Open('The request, with defaults filled in'),
    provider: Nullable(Type.String()),
    model: Nullable(Type.String()),
    prompt: Nullable(Type.String({ description: 'The final prompt sent to the provider (instructions and style guide merged in)' })),
    seed: Nullable(Seed),
    result: Nullable(Open('image_ids / draft_id (generation), draft_id / variants (task)')),
    error: Nullable(Type.String({ description: 'Human-readable reason of a failure' })),
    draft_id: Nullable(Id),
    attempts: Type.Integer({ minimum: 0, description: 'Runs started (a run interrupted by a restart is tried again)' }),
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
  },
  { title: 'Job' },
);
export type Job = Static<typeof Job>;
