import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

const HexColor = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb' });
const AspectRatio = Type.String({ pattern: '^[1-9][0-9]{0,2}:[1-9][0-9]{0,2}$', description: 'W:H, e.g. "2:3"' });
const Text = (maxLength: number) => Type.String({ maxLength });

export const styleGuideFields = {
  art_style: Text(500),
  color_palette: Type.Array(HexColor, { maxItems: 32 }),
  line_style: Text(500),
  mood: Text(500),
  lighting: Text(500),
  aspect_ratio: AspectRatio,
  negative_prompt: Text(2000),
  reference_image_ids: Type.Array(Id, { maxItems: 100 }),
  notes: Text(10_000),
};

export const StyleGuide = Type.Object(styleGuideFields, { title: 'StyleGuide' });
export type StyleGuide = Static<typeof StyleGuide>;
/** Partial update of the style guide; unknown fields are a 422. */
export const StyleGuidePatch = Type.Partial(Type.Object(styleGuideFields, { additionalProperties: false }));
export type StyleGuidePatch = Static<typeof StyleGuidePatch>;

export const DEFAULT_STYLE_GUIDE: StyleGuide = {
  art_style: '',
  color_palette: [],
  line_style: '',
  mood: '',
  lighting: '',
  aspect_ratio: '2:3',
  negative_prompt: '',
  reference_image_ids: [],
  notes: '',
};

const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50, uniqueItems: true });
const editableFields = {
  description: Text(10_000),
  genre: Text(100),
  tags: Tags,
};

export const Project = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    title: Type.String(),
    ...editableFields,
    style_guide: StyleGuide,
  },
  { title: 'Project' },
);
export type Project = Static<typeof Project>;

const Title = Type.String({ minLength: 1, maxLength: 200 });

export const ProjectCreate = Body({
  title: Title,
  ...Type.Partial(Type.Object(editableFields)).properties,
  style_guide: Type.Optional(StyleGuidePatch),
});
export type ProjectCreate = Static<typeof ProjectCreate>;

export const ProjectUpdate = Body({
  title: Type.Optional(Title),
  ...Type.Partial(Type.Object(editableFields)).properties,
  style_guide: Type.Optional(StyleGuidePatch),
  ...VersionField,
});
export type ProjectUpdate = Static<typeof ProjectUpdate>;

export const ProjectListQuery = PaginationQuery(['title', 'created_at', 'updated_at'], '-created_at');
export const ProjectPage = PageOf(Project);
