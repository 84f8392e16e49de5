import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });

const editableFields = {
  description: Type.String({ maxLength: 10_000 }),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50, uniqueItems: true }),
};

/** Image references; the images module appends uploads, PUT may set or clear them. */
const imageFields = {
  reference_image_ids: Type.Array(Id, { maxItems: 100, uniqueItems: true }),
};

export const Location = Type.Object({ ...ResourceBase, project_id: Id, name: Type.String(), ...editableFields, ...imageFields }, { title: 'Location' });
export type Location = Static<typeof Location> & { owner_id: string };

export const LocationCreate = Body({ name: Name, ...Type.Partial(Type.Object(editableFields)).properties });
export type LocationCreate = Static<typeof LocationCreate>;

export const LocationUpdate = Body({
  name: Type.Optional(Name),
  ...Type.Partial(Type.Object(editableFields)).properties,
  ...Type.Partial(Type.Object(imageFields)).properties,
  ...VersionField,
});
export type LocationUpdate = Static<typeof LocationUpdate>;

export const LocationListQuery = PaginationQuery(['name', 'created_at', 'updated_at'], 'name');
export const LocationPage = PageOf(Location);

const SceneUse = Type.Object({ id: Id, chapter_id: Id, order: Type.Integer(), title: Type.String(), description: Type.String() });
const PanelUse = Type.Object({ id: Id, chapter_id: Id, scene_id: Id, order: Type.Integer(), description: Type.String() });

export const LocationUsage = Type.Object(
  {
    location_id: Id,
    scenes: Type.Array(SceneUse, { description: 'Scenes set at the location, in story order' }),
    panels: Type.Array(PanelUse, { description: 'Panels set at the location, in story order' }),
  },
  { title: 'LocationUsage' },
);
export type LocationUsage = Static<typeof LocationUsage>;
