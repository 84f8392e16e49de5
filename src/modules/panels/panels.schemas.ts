import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, PageOf, PaginationQuery, ResourceBase, VersionField } from '../../http/schemas.js';

export const SHOT_TYPES = ['establishing', 'wide', 'medium', 'close_up', 'extreme_close_up', 'over_the_shoulder', 'pov', 'insert'] as const;
export type ShotType = (typeof SHOT_TYPES)[number];

export const BUBBLE_TYPES = ['speech', 'thought', 'caption', 'sfx', 'whisper', 'shout'] as const;
export type BubbleType = (typeof BUBBLE_TYPES)[number];

/** A plain `enum` (not a union of literals) so a bad value reads "must be one of ...". */
const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], description }));

const ShotTypeSchema = StringEnum(SHOT_TYPES, 'Camera distance / framing');
const BubbleTypeSchema = StringEnum(BUBBLE_TYPES, 'Kind of bubble; caption and sfx have no speaker');
const Text = (maxLength: number) => Type.String({ maxLength });
const BubbleText = Type.String({ minLength: 1, maxLength: 2000 });
const CharacterIds = Type.Array(Id, { maxItems: 100, uniqueItems: true, description: 'Characters of the same project' });

export const DialogueBubble = Type.Object(
  {
    id: Id,
    type: BubbleTypeSchema,
    character_id: Nullable(Id),
    text: Type.String(),
    order: Type.Integer({ minimum: 0 }),
  },
  { title: 'DialogueBubble' },
);
export type DialogueBubble = Static<typeof DialogueBubble>;

export const DialogueBubbleInput = Body(
  {
    id: Type.Optional(Id),
    type: BubbleTypeSchema,
    character_id: Type.Optional(Nullable(Id)),
    text: BubbleText,
    order: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  'A bubble to store. `id`: an existing bubble id of this panel keeps that bubble\'s id; anything else (or none) gets a fresh id. ' +
    '`order`, if sent, must equal the bubble\'s position in the list (it is always the index). ' +
    '`character_id` must be a character of the same project, and null/absent for caption and sfx.',
);
export type DialogueBubbleInput = Static<typeof DialogueBubbleInput>;

const DialogueInput = Type.Array(DialogueBubbleInput, { maxItems: 200 });

const editableFields = {
  description: Text(10_000),
  shot_type: Nullable(ShotTypeSchema),
  camera_angle: Text(200),
  character_ids: CharacterIds,
  location_id: Nullable(Id),
  visual_prompt: Text(4000),
  image_id: Nullable(Id),
  notes: Text(10_000),
};
type EditableFields = { [K in keyof typeof editableFields]: Static<(typeof editableFields)[K]> };

export const Panel = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Id,
    chapter_id: Id,
    scene_id: Id,
    order: Type.Integer({ minimum: 0, description: 'Position in the scene, dense 0..n-1' }),
    ...editableFields,
    dialogue: Type.Array(DialogueBubble, { description: 'Bubbles in reading order (order = index)' }),
  },
  { title: 'Panel' },
);
export type Panel = Static<typeof Panel>;

/** What a new panel gets for each field the client leaves out. `shot_type` null means "not chosen yet". */
export const PANEL_DEFAULTS: EditableFields = {
  description: '',
  shot_type: null,
  camera_angle: '',
  character_ids: [],
  location_id: null,
  visual_prompt: '',
  image_id: null,
  notes: '',
};

export const PanelCreate = Body(
  {
    ...Type.Partial(Type.Object(editableFields)).properties,
    dialogue: Type.Optional(DialogueInput),
    order: Type.Optional(Type.Integer({ minimum: 0, description: 'Position to insert at (0..count); default: append' })),
  },
  'A new panel. Omitted fields default to empty text, empty lists and null (shot_type null = not chosen yet).',
);
export type PanelCreate = Static<typeof PanelCreate>;

export const PanelUpdate = Body(
  { ...Type.Partial(Type.Object(editableFields)).properties, ...VersionField },
  'Partial update; only the fields sent change. Order changes through reorder-panels, dialogue through PUT /panels/{panel_id}/dialogue.',
);
export type PanelUpdate = Static<typeof PanelUpdate>;

export const DialogueReplace = Body(
  { dialogue: DialogueInput, ...VersionField },
  'Replaces the whole bubble list; orders follow the list.',
);
export type DialogueReplace = Static<typeof DialogueReplace>;

export const SplitBody = Body(
  {
    dialogue_index: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Bubbles from this index on move to the new panel (0..n); default ceil(n/2)' }),
    ),
  },
  'Splits the panel in two after its bubble dialogue_index - 1.',
);
export type SplitBody = Static<typeof SplitBody>;

export const SplitResult = Type.Object(
  {
    panel: Type.Object(Panel.properties, { description: 'The split panel, keeping bubbles 0..k-1' }),
    new_panel: Type.Object(Panel.properties, { description: 'The new panel right after it, holding bubbles k..n-1 (re-ordered from 0)' }),
  },
  { title: 'PanelSplitResult' },
);

export const MergeBody = Body(
  {
    panel_id: Type.String({
      pattern: Id.pattern,
      description:
        'The panel to merge into this one: another panel of the same scene. Anything else (itself, another scene, unknown or not yours) is a 422 on panel_id.',
    }),
  },
  'Appends the other panel\'s bubbles, description and characters to this panel and deletes the other panel.',
);
export type MergeBody = Static<typeof MergeBody>;

export const ReorderPanelsBody = Body(
  { panel_ids: Type.Array(Id, { maxItems: 10_000, description: "Every panel id of the scene exactly once, in the new order" }) },
  'The new order of the scene\'s panels.',
);
export type ReorderPanelsBody = Static<typeof ReorderPanelsBody>;

export const PanelList = Type.Array(Panel, { description: "The scene's panels in their new order" });

export const PanelListQuery = PaginationQuery(['order', 'created_at'], 'order');
export const PanelPage = PageOf(Panel);
