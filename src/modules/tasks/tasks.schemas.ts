import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable } from '../../http/schemas.js';
import { TASK_TYPES, type TaskTargetType, type TaskType } from '../../lib/text-tasks.js';
import { JOB_STATUSES, Seed } from '../generation/jobs.schemas.js';

export const TASK_TARGET_TYPES = ['panel', 'scene', 'chapter', 'character'] as const satisfies readonly TaskTargetType[];

const TaskTypeSchema = Type.Unsafe<TaskType>(Type.String({ enum: [...TASK_TYPES], description: 'One of GET /tasks/types' }));

export const TaskTypeInfo = Type.Object(
  {
    type: Type.String(),
    description: Type.String(),
    targets: Type.Array(Type.String(), { description: 'Resource types the task accepts as its target' }),
    structured: Type.Boolean({ description: 'The draft variants hold JSON (e.g. a profile or bubbles) rather than plain text' }),
  },
  { title: 'TaskType' },
);
export const TaskTypeList = Type.Array(TaskTypeInfo);
export type TaskTypeInfo = Static<typeof TaskTypeInfo>;

export const TaskExecuteBody = Body(
  {
    type: TaskTypeSchema,
    target: Type.Object(
      {
        type: Type.Unsafe<TaskTargetType>(Type.String({ enum: [...TASK_TARGET_TYPES] })),
        id: Id,
      },
      { additionalProperties: false },
    ),
    params: Type.Optional(
      Type.Object(
        {
          variants: Type.Optional(Type.Integer({ minimum: 1, maximum: 4, default: 2, description: 'Alternative answers (draft variants), 1..4' })),
          seed: Type.Optional(Seed),
          instructions: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Extra direction for this run, after the applicable instructions' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  'Run a text task on a target; the answer becomes a text draft for it',
);
export type TaskExecuteBody = Static<typeof TaskExecuteBody>;

export const TaskResult = Type.Object(
  {
    task_id: Id,
    type: Type.String(),
    status: Type.Unsafe<(typeof JOB_STATUSES)[number]>(Type.String({ enum: [...JOB_STATUSES] })),
    draft_id: Nullable(Id),
    result: Nullable(Type.Object({}, { additionalProperties: true, description: 'draft_id and the variants ({ id, content, metadata })' })),
    error: Nullable(Type.String()),
    finished_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'TaskResult' },
);
export type TaskResult = Static<typeof TaskResult>;
