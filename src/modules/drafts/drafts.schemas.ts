/**
 * The draft resource (API.md "draft") as the review endpoints answer it, and their request
 * bodies. Stored drafts come from drafts.store.ts (created by jobs); review adds `applied`,
 * `rejection_reason` and the revision bookkeeping, which present() fills in for older records.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, PageOf, PaginationQuery, ResourceBase, Timestamp } from '../../http/schemas.js';
import type { DraftDoc } from './drafts.store.js';

export const DRAFT_STATUSES = ['pending', 'selected', 'rejected', 'revising'] as const;
export const DRAFT_KINDS = ['image', 'text'] as const;
/** Feedback entries one draft keeps at most (they all go into a revise prompt). */
export const MAX_FEEDBACK = 100;
export const MAX_BULK = 100;

const StringEnum = <T extends readonly string[]>(values: T, description: string) => Type.Unsafe<T[number]>(Type.String({ enum: [...values], description }));
const Ref = (description: string) => Type.Object({ type: Type.String(), id: Type.String() }, { description });
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const DraftVariant = Type.Object(
  {
    id: Id,
    content: Type.Optional(Type.Unknown({ description: 'Text drafts: the text, or the structured answer (bubbles, a profile, proposed panels or scenes)' })),
    image_id: Type.Optional(Id),
    metadata: Open('How the variant was made (provider, model, seed, task)'),
  },
  { title: 'DraftVariant' },
);

export const DraftFeedback = Type.Object(
  {
    id: Id,
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Nullable(Type.String()),
    variant_id: Nullable(Id),
    created_at: Timestamp,
  },
  { title: 'DraftFeedback' },
);
export type DraftFeedback = Static<typeof DraftFeedback>;

export const AppliedChange = Type.Object(
  {
    type: Type.String({ description: 'The resource the selection changed (panel, chapter, scene, character, location)' }),
    id: Id,
    version: Type.Integer({ minimum: 1, description: 'Its version right after the change' }),
    created: Type.Optional(Type.Array(Ref('A resource the selection created'), { description: 'Breakdowns and generated chapters: the scenes and panels created' })),
  },
  { title: 'AppliedChange' },
);
export type AppliedChange = Static<typeof AppliedChange>;

export const Draft = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Id,
    target: Ref('What the draft is for'),
    kind: StringEnum(DRAFT_KINDS, 'image or text'),
    source: Ref('What produced it, e.g. { type: task, id: <job id> }'),
    variants: Type.Array(DraftVariant),
    status: StringEnum(DRAFT_STATUSES, 'pending -> selected | rejected | revising'),
    selected_variant_id: Nullable(Id),
    applied: Nullable(AppliedChange),
    rejection_reason: Nullable(Type.String()),
    feedback: Type.Array(DraftFeedback),
    revision_of: Nullable(Id),
    revision_job_id: Nullable(Id),
    revised_by: Nullable(Id),
  },
  { title: 'Draft' },
);
export type Draft = Static<typeof Draft>;

/** What review adds to a stored draft. */
export interface ReviewFields {
  applied?: AppliedChange | null;
  rejection_reason?: string | null;
  /** The job a revise started; while `revision_open`, a failed or canceled run puts the draft back to pending. */
  revision_job_id?: string | null;
  revision_open?: boolean;
  /** The draft the revise run produced. */
  revised_by?: string | null;
}
export type ReviewedDraft = DraftDoc & ReviewFields;

export function present(draft: ReviewedDraft): Draft {
  return {
    id: draft.id,
    created_at: draft.created_at,
    updated_at: draft.updated_at,
    version: draft.version,
    owner_id: draft.owner_id,
    project_id: draft.project_id,
    target: draft.target,
    kind: draft.kind,
    source: draft.source,
    variants: draft.variants.map((variant) => ({ ...variant, metadata: variant.metadata ?? {} })),
    status: draft.status,
    selected_variant_id: draft.selected_variant_id ?? null,
    applied: draft.applied ?? null,
    rejection_reason: draft.rejection_reason ?? null,
    feedback: (draft.feedback ?? []) as DraftFeedback[],
    revision_of: draft.revision_of ?? null,
    revision_job_id: draft.revision_job_id ?? null,
    revised_by: draft.revised_by ?? null,
  };
}

const filters = {
  project_id: Type.Optional(Id),
  kind: Type.Optional(StringEnum(DRAFT_KINDS, 'image or text')),
  target_type: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$', description: 'e.g. panel, scene, chapter, character, location' })),
  target_id: Type.Optional(Id),
};
const SORTS = ['created_at', 'updated_at'] as const;

export const DraftListQuery = PaginationQuery(SORTS, '-created_at', { ...filters, status: Type.Optional(StringEnum(DRAFT_STATUSES, 'Draft status')) });
export const PendingDraftQuery = PaginationQuery(SORTS, '-created_at', filters);
export type DraftListQuery = Static<typeof DraftListQuery>;
export const DraftPage = PageOf(Draft);

export const SelectBody = Body({ variant_id: Id }, 'Apply this variant to the draft target');
export type SelectBody = Static<typeof SelectBody>;

export const RejectBody = Body({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, 'Reject the draft (nothing changes in the story)');
export type RejectBody = Static<typeof RejectBody>;

export const ReviseBody = Body(
  { instructions: Type.String({ minLength: 1, maxLength: 4000, description: 'What to change; sent with the original request and the feedback recorded on the draft' }) },
  'Regenerate the draft with instructions',
);
export type ReviseBody = Static<typeof ReviseBody>;

export const FeedbackBody = Body(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    variant_id: Type.Optional(Id),
  },
  'Rate the draft or one of its variants',
);
export type FeedbackBody = Static<typeof FeedbackBody>;

export const BulkActionBody = Body(
  {
    action: StringEnum(['select', 'reject'] as const, 'select applies, reject discards'),
    draft_ids: Type.Array(Id, { minItems: 1, maxItems: MAX_BULK, uniqueItems: true }),
    variant_ids: Type.Optional(
      Type.Record(Type.String({ pattern: '^[0-9a-f]{24}$' }), Id, { description: 'select: the variant per draft id; a draft not listed gets its first variant' }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'reject: the reason recorded on every draft' })),
  },
  'Select or reject several drafts; each succeeds or fails on its own',
);
export type BulkActionBody = Static<typeof BulkActionBody>;

export const BulkResult = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        draft_id: Id,
        ok: Type.Boolean(),
        error: Type.Optional(Type.String({ description: 'Why this draft failed' })),
        code: Type.Optional(Type.String({ description: 'The error code the single-draft endpoint would answer with' })),
      }),
    ),
  },
  { title: 'DraftBulkResult' },
);
export type BulkResult = Static<typeof BulkResult>;
