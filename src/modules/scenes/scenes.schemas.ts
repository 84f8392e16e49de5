import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

const Title = Type.String({ minLength: 1, maxLength: 200 });
const LongText = Type.String({ maxLength: 10_000 });
const Position = (description: string) => Type.Integer({ minimum: 0, description });
const CharacterIds = Type.Array(Id, { maxItems: 200, uniqueItems: true, description: 'Characters of the same project' });
const LocationId = Type.Union([Id, Type.Null()], { description: 'A location of the same project, or null' });

export const Scene = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Id,
    chapter_id: Id,
    title: Type.String(),
    description: Type.String(),
    summary: Type.String(),
    order: Type.Integer({ minimum: 0 }),
    location_id: Nullable(Id),
    character_ids: Type.Array(Id),
  },
  { title: 'Scene' },
);
export type Scene = Static<typeof Scene>;

const editable = {
  description: Type.Optional(LongText),
  summary: Type.Optional(LongText),
  location_id: Type.Optional(LocationId),
  character_ids: Type.Optional(CharacterIds),
};

export const SceneCreate = Body(
  {
    title: Title,
    ...editable,
    order: Type.Optional(Position('Insert at this position (0..count), shifting the rest; default: append')),
  },
  'A new scene',
);
export type SceneCreate = Static<typeof SceneCreate>;

/** No chapter_id: a scene stays in its chapter. */
export const SceneUpdate = Body(
  {
    title: Type.Optional(Title),
    ...editable,
    order: Type.Optional(Position('Move to this position in the chapter (0..count-1), shifting the scenes in between')),
    ...VersionField,
  },
  'Partial update of a scene',
);
export type SceneUpdate = Static<typeof SceneUpdate>;

export const SceneListQuery = PaginationQuery(['order', 'title', 'created_at'], 'order');
export const ScenePage = PageOf(Scene);
