import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Text = (maxLength: number) => Type.String({ maxLength });
const ImageIds = Type.Array(Id, { maxItems: 100, uniqueItems: true });

const editableFields = {
  role: Text(200),
  description: Text(10_000),
  appearance: Text(10_000),
  personality: Text(10_000),
  backstory: Text(20_000),
  traits: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
};

/** Image references; the images module fills them (designs, sheets), PUT may set or clear them. */
const imageFields = {
  design_image_ids: ImageIds,
  sheet_image_id: Nullable(Id),
  reference_image_ids: ImageIds,
};

export const Character = Type.Object(
  { ...ResourceBase, project_id: Id, name: Type.String(), ...editableFields, ...imageFields },
  { title: 'Character' },
);
export type Character = Static<typeof Character> & { owner_id: string };

export const CharacterCreate = Body({ name: Name, ...Type.Partial(Type.Object(editableFields)).properties });
export type CharacterCreate = Static<typeof CharacterCreate>;

export const CharacterUpdate = Body({
  name: Type.Optional(Name),
  ...Type.Partial(Type.Object(editableFields)).properties,
  ...Type.Partial(Type.Object(imageFields)).properties,
  ...VersionField,
});
export type CharacterUpdate = Static<typeof CharacterUpdate>;

export const CharacterListQuery = PaginationQuery(['name', 'created_at', 'updated_at'], 'name');
export const CharacterPage = PageOf(Character);

const SceneAppearance = Type.Object({
  id: Id,
  chapter_id: Id,
  order: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
});

const PanelAppearance = Type.Object({
  id: Id,
  chapter_id: Id,
  scene_id: Id,
  order: Type.Integer(),
  description: Type.String(),
  speaks: Type.Boolean({ description: 'The character speaks at least one bubble of this panel' }),
});

export const Appearances = Type.Object(
  {
    character_id: Id,
    scenes: Type.Array(SceneAppearance, { description: 'Scenes listing the character, in story order' }),
    panels: Type.Array(PanelAppearance, { description: 'Panels showing the character or where it speaks, in story order' }),
  },
  { title: 'CharacterAppearances' },
);
export type Appearances = Static<typeof Appearances>;
