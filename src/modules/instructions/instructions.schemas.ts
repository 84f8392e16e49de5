import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';
import { SCOPE_TYPES, type ScopeType } from '../../lib/instructions.js';

export const ScopeTypeSchema = Type.Union(
  [Type.Literal('project'), Type.Literal('chapter'), Type.Literal('scene'), Type.Literal('panel')],
  { description: SCOPE_TYPES.join(' | ') },
);
// Keeps the schema and the lib's list of scope types in step.
const _sameScopeTypes: [Static<typeof ScopeTypeSchema>, ScopeType] extends [ScopeType, Static<typeof ScopeTypeSchema>] ? true : never = true;

export const Scope = Type.Object(
  { type: ScopeTypeSchema, id: Id },
  { additionalProperties: false, title: 'InstructionScope' },
);

const Content = Type.String({ minLength: 1, maxLength: 4000 });
const Priority = Type.Integer({ minimum: -1000, maximum: 1000, description: 'Higher comes first within a scope (default 0)' });

export const Instruction = Type.Object(
  {
    ...ResourceBase,
    project_id: Id,
    scope: Scope,
    content: Type.String(),
    priority: Type.Integer(),
    enabled: Type.Boolean(),
  },
  { title: 'Instruction' },
);
export type Instruction = Static<typeof Instruction>;

/** As stored: the scope is also kept flat so queries can use the scope_id index. */
export type InstructionDoc = Instruction & { owner_id: string; scope_type: ScopeType; scope_id: string };

const createFields = {
  content: Content,
  priority: Type.Optional(Priority),
  enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
};

export const InstructionCreate = Body(
  { ...createFields, scope: Type.Optional(Scope) },
  'Scope defaults to the project; a chapter, scene or panel scope must belong to the same project',
);
export type InstructionCreate = Static<typeof InstructionCreate>;

export const ScopedInstructionCreate = Body(createFields, 'The scope is the resource in the path');
export type ScopedInstructionCreate = Static<typeof ScopedInstructionCreate>;

export const InstructionUpdate = Body({
  content: Type.Optional(Content),
  priority: Type.Optional(Priority),
  enabled: Type.Optional(Type.Boolean()),
  ...VersionField,
});
export type InstructionUpdate = Static<typeof InstructionUpdate>;

export const InstructionToggle = Body({ ...VersionField }, 'Optional version check');
export type InstructionToggle = Static<typeof InstructionToggle>;

export const InstructionListQuery = PaginationQuery(['priority', 'created_at', 'updated_at'], '-priority', {
  scope_type: Type.Optional(ScopeTypeSchema),
  enabled: Type.Optional(Type.Boolean()),
});
export type InstructionFilter = { scope_type?: ScopeType; enabled?: boolean };
export const InstructionPage = PageOf(Instruction);

export const ApplicableQuery = Type.Object(
  { scope: ScopeTypeSchema, id: Id },
  { additionalProperties: false },
);

export const ApplicableInstructions = Type.Object(
  {
    scope: Scope,
    items: Type.Array(Instruction, {
      description: 'Enabled instructions of the project, then the chapter, scene and panel above/at the target; within a level by priority (higher first), then creation time',
    }),
  },
  { title: 'ApplicableInstructions' },
);
export type ApplicableInstructions = Static<typeof ApplicableInstructions>;
