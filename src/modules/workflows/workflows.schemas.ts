import { Type, type Static } from '@sinclair/typebox';
import { Body, Id } from '../../http/schemas.js';
import { Seed } from '../generation/jobs.schemas.js';
import { ISSUE_TYPES, SEVERITIES } from './consistency-types.js';
import { DEFAULT_MAX_PANELS, MAX_PANELS } from './breakdown.js';

const StringEnum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], ...(description ? { description } : {}) }));

const MaxPanels = Type.Integer({ minimum: 1, maximum: MAX_PANELS, default: DEFAULT_MAX_PANELS, description: `Most panels to propose, 1..${MAX_PANELS}` });
const Variants = Type.Integer({ minimum: 1, maximum: 4, default: 2, description: 'Alternative proposals (draft variants), 1..4' });
const ImageCount = Type.Integer({ minimum: 1, maximum: 4, default: 1, description: 'Images per panel (image draft variants), 1..4' });

export const SCOPE_TYPES = ['project', 'chapter', 'scene', 'panel'] as const;
export const Scope = Type.Object(
  { type: StringEnum(SCOPE_TYPES), id: Id },
  { additionalProperties: false, title: 'WorkflowScope', description: 'Part of the project: the project itself, or one of its chapters, scenes or panels' },
);

export const BreakdownBody = Body(
  { max_panels: Type.Optional(MaxPanels), variants: Type.Optional(Variants), seed: Type.Optional(Seed) },
  'Propose panels for the scene (a text draft for the scene whose variants are `{ panels: [...] }`)',
);
export type BreakdownBody = Static<typeof BreakdownBody>;

export const AutoPanelBody = Body(
  {
    scene_id: Id,
    apply: Type.Optional(Type.Boolean({ default: false, description: 'Select the first variant at once: the panels are created at the end of the scene' })),
    max_panels: Type.Optional(MaxPanels),
    variants: Type.Optional(Variants),
    seed: Type.Optional(Seed),
  },
  'A breakdown with a visual prompt for every proposed panel',
);
export type AutoPanelBody = Static<typeof AutoPanelBody>;

export const StoryboardBody = Body(
  {
    scene_id: Type.Optional(Id),
    chapter_id: Type.Optional(Id),
    n: Type.Optional(ImageCount),
    seed: Type.Optional(Seed),
  },
  'Exactly one of scene_id or chapter_id. Every panel in it gets a visual prompt and an image draft; a scene without panels is broken down (and the breakdown applied) first.',
);
export type StoryboardBody = Static<typeof StoryboardBody>;

export const GenerateChapterBody = Body(
  {
    chapter_id: Id,
    outline: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000, description: 'One beat per line; each line becomes (part of) a scene' })),
    max_scenes: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 6, description: 'Most scenes to propose, 1..30' })),
    variants: Type.Optional(Variants),
    seed: Type.Optional(Seed),
  },
  "Propose the chapter's scenes, each with panels (a text draft for the chapter; selecting a variant creates them)",
);
export type GenerateChapterBody = Static<typeof GenerateChapterBody>;

export const StyleApplyBody = Body(
  {
    scope: Type.Optional(Scope),
    regenerate_images: Type.Optional(Type.Boolean({ default: false, description: 'Also draw every panel in scope again with its new prompt (image drafts)' })),
    apply: Type.Optional(Type.Boolean({ default: false, description: 'Write the new visual prompts to the panels at once instead of proposing them as drafts' })),
    n: Type.Optional(ImageCount),
    seed: Type.Optional(Seed),
  },
  "Rewrite the visual prompts of the panels in scope (default: the whole project) with the current style guide",
);
export type StyleApplyBody = Static<typeof StyleApplyBody>;

export const ConsistencyBody = Body(
  {
    project_id: Id,
    scope: Type.Optional(Scope),
    deep: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also ask the text model for continuity notes (type `continuity`); always a 202 job. Needs a real model (TEXT_PROVIDER=openai): 422 with the offline template provider.',
      }),
    ),
  },
  'Check the project (or part of it) for consistency problems',
);
export type ConsistencyBody = Static<typeof ConsistencyBody>;

const Target = Type.Object({ type: Type.String({ description: 'project, chapter, scene, panel or character' }), id: Id });

export const ConsistencyIssue = Type.Object(
  {
    type: StringEnum(ISSUE_TYPES),
    severity: StringEnum(SEVERITIES, 'error: the story contradicts itself; warning: probably a mistake or hurts generation; info: work not done yet'),
    message: Type.String(),
    target: Target,
    details: Type.Object({}, { additionalProperties: true, description: 'Rule-specific facts (character_id, name, locations, missing style words, ...)' }),
  },
  { title: 'ConsistencyIssue' },
);

export const ConsistencyReport = Type.Object(
  {
    project_id: Id,
    scope: Type.Object({ type: Type.String(), id: Id }),
    deep: Type.Boolean(),
    issues: Type.Array(ConsistencyIssue),
    summary: Type.Object({ error: Type.Integer(), warning: Type.Integer(), info: Type.Integer() }),
  },
  { title: 'ConsistencyReport' },
);

export const SuggestionsQuery = Type.Object(
  {
    project_id: Id,
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Most suggestions to return, most pressing first' }),
  },
  { additionalProperties: false },
);

export const Suggestion = Type.Object(
  {
    type: StringEnum(['review', 'breakdown', 'generate_chapter', 'storyboard', 'character_design', 'fix'] as const),
    message: Type.String(),
    target: Target,
    action: Type.Object({
      method: StringEnum(['GET', 'POST', 'PUT'] as const),
      path: Type.String({ description: 'Absolute path under /api/v1, query included' }),
      body: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'JSON body to send as is (null for GET)' }),
    }),
  },
  { title: 'Suggestion' },
);

export const SuggestionList = Type.Object(
  { project_id: Id, suggestions: Type.Array(Suggestion), total: Type.Integer({ minimum: 0, description: 'Suggestions before the limit' }) },
  { title: 'Suggestions' },
);
