import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

const Title = Type.String({ minLength: 1, maxLength: 200 });
const Summary = Type.String({ maxLength: 10_000 });
const Position = (description: string) => Type.Integer({ minimum: 0, description });

export const Chapter = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Id,
    title: Type.String(),
    summary: Type.String(),
    order: Type.Integer({ minimum: 0 }),
    cover_image_id: Nullable(Id),
  },
  { title: 'Chapter' },
);
export type Chapter = Static<typeof Chapter>;

export const ChapterCreate = Body(
  {
    title: Title,
    summary: Type.Optional(Summary),
    order: Type.Optional(Position('Insert at this position (0..count), shifting the rest; default: append')),
  },
  'A new chapter',
);
export type ChapterCreate = Static<typeof ChapterCreate>;

export const ChapterUpdate = Body(
  {
    title: Type.Optional(Title),
    summary: Type.Optional(Summary),
    order: Type.Optional(Position('Move to this position (0..count-1), shifting the chapters in between')),
    cover_image_id: Type.Optional(Nullable(Id)),
    ...VersionField,
  },
  'Partial update of a chapter',
);
export type ChapterUpdate = Static<typeof ChapterUpdate>;

export const ChapterReorder = Body({ order: Position('New position (0..count-1)') }, 'Move a chapter');
export type ChapterReorder = Static<typeof ChapterReorder>;

export const ChapterListQuery = PaginationQuery(['order', 'title', 'created_at'], 'order');
export const ChapterPage = PageOf(Chapter);
