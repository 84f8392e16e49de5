import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, PageOf, PaginationQuery } from '../../http/schemas.js';
import { JOB_STATUSES, Job, Seed } from './jobs.schemas.js';

/** Resources an image draft can target. */
export const IMAGE_TARGET_TYPES = ['project', 'chapter', 'scene', 'panel', 'character', 'location'] as const;
export type ImageTargetType = (typeof IMAGE_TARGET_TYPES)[number];

const Count = Type.Integer({ minimum: 1, maximum: 4, default: 1, description: 'Images to make (draft variants), 1..4' });
const Side = Type.Integer({ minimum: 64, maximum: 2048, multipleOf: 8, description: 'Pixels, a multiple of 8; default from the style guide aspect ratio' });
const Strength = Type.Number({ minimum: 0.05, maximum: 1, description: 'How far the result may move from the source image (img2img denoising strength)' });

export const TargetRef = Type.Object(
  {
    type: Type.Unsafe<ImageTargetType>(Type.String({ enum: [...IMAGE_TARGET_TYPES], description: 'Kind of resource the draft is for' })),
    id: Id,
  },
  { additionalProperties: false, title: 'TargetRef' },
);
export type TargetRef = Static<typeof TargetRef>;

export const GenerateImageBody = Body(
  {
    project_id: Id,
    prompt: Type.String({ minLength: 1, maxLength: 4000 }),
    negative_prompt: Type.Optional(Type.String({ maxLength: 2000 })),
    n: Type.Optional(Count),
    seed: Type.Optional(Seed),
    width: Type.Optional(Side),
    height: Type.Optional(Side),
    target: Type.Optional(TargetRef),
  },
  'Free-prompt image generation; with a target the images also become a draft for it',
);
export type GenerateImageBody = Static<typeof GenerateImageBody>;

export const PanelSequenceBody = Body({ scene_id: Id, n: Type.Optional(Count), seed: Type.Optional(Seed) }, 'One image draft per panel of the scene, in order');
export type PanelSequenceBody = Static<typeof PanelSequenceBody>;

export const CharacterDesignBody = Body({ character_id: Id, n: Type.Optional(Count), seed: Type.Optional(Seed) }, 'Design images for a character');
export type CharacterDesignBody = Static<typeof CharacterDesignBody>;

export const BackgroundBody = Body(
  {
    location_id: Type.Optional(Id),
    project_id: Type.Optional(Id),
    prompt: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    n: Type.Optional(Count),
    seed: Type.Optional(Seed),
  },
  'A background for a location (`location_id`, optional extra `prompt`), or from a `prompt` in a project (`project_id`)',
);
export type BackgroundBody = Static<typeof BackgroundBody>;

export const GenerateOptions = Body({ n: Type.Optional(Count), seed: Type.Optional(Seed) }, 'Optional count and seed');
export type GenerateOptions = Static<typeof GenerateOptions>;

export const VariationsBody = Body({ n: Type.Optional(Count), seed: Type.Optional(Seed), strength: Type.Optional(Strength) }, 'Variations of the image');
export type VariationsBody = Static<typeof VariationsBody>;

export const StyleTransferBody = Body(
  {
    style: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'The style to apply, in words' })),
    use_style_guide: Type.Optional(Type.Boolean({ default: true, description: "Apply the project's style guide" })),
    seed: Type.Optional(Seed),
    strength: Type.Optional(Strength),
  },
  'Re-render the image in a style',
);
export type StyleTransferBody = Static<typeof StyleTransferBody>;

export const GenerationHistoryQuery = PaginationQuery(['created_at', 'updated_at'], '-created_at', {
  project_id: Type.Optional(Id),
  status: Type.Optional(Type.Unsafe<(typeof JOB_STATUSES)[number]>(Type.String({ enum: [...JOB_STATUSES] }))),
  type: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$', description: 'Job type, e.g. image, panel_sequence' })),
});
export type GenerationHistoryFilter = { project_id?: string; status?: (typeof JOB_STATUSES)[number]; type?: string };

export const JobPage = PageOf(Job);
