/**
 * What a text variant's `content` must look like before it is applied, per task. AI output is
 * checked here, not trusted: a shape that does not fit is a 422 on `variant.content...`, never
 * a half-applied change. Proposals (breakdown, generated chapter) are normalised leniently:
 * an unknown shot type becomes null and references the project does not hold are dropped,
 * because the story may have changed since the draft was made.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValidationError } from '../../errors.js';
import { BUBBLE_TYPES, SHOT_TYPES, type BubbleType, type ShotType } from '../panels/panels.schemas.js';

// Literal unions, not Type.Unsafe enums: Value.Check does not look inside Unsafe schemas.
const StringEnum = <T extends readonly string[]>(values: T) => Type.Union(values.map((value) => Type.Literal(value as T[number])));
const Text = (maxLength: number) => Type.String({ maxLength });
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const SummaryText = Text(10_000);
export const VisualPromptText = Text(4000);

export const ProfileContent = Type.Object({
  role: Type.Optional(Text(200)),
  description: Type.Optional(Text(10_000)),
  appearance: Type.Optional(Text(10_000)),
  personality: Type.Optional(Text(10_000)),
  backstory: Type.Optional(Text(20_000)),
  traits: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
});
export type ProfileContent = Static<typeof ProfileContent>;
export const PROFILE_FIELDS = ['role', 'description', 'appearance', 'personality', 'backstory', 'traits'] as const;

const BubbleProposal = Type.Object({
  type: StringEnum(BUBBLE_TYPES),
  character_id: Type.Optional(NullableString),
  text: Type.String({ minLength: 1, maxLength: 2000 }),
});
export const BubblesContent = Type.Array(BubbleProposal, { maxItems: 200 });
export type BubblesContent = Static<typeof BubblesContent>;

const PanelProposal = Type.Object({
  description: Type.Optional(Text(10_000)),
  shot_type: Type.Optional(NullableString),
  camera_angle: Type.Optional(Text(200)),
  character_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
  location_id: Type.Optional(NullableString),
  visual_prompt: Type.Optional(VisualPromptText),
  notes: Type.Optional(Text(10_000)),
  dialogue: Type.Optional(BubblesContent),
});
export type PanelProposal = Static<typeof PanelProposal>;

export const BreakdownContent = Type.Object({ panels: Type.Array(PanelProposal, { maxItems: 100 }) });
export type BreakdownContent = Static<typeof BreakdownContent>;

const SceneProposal = Type.Object({
  title: Type.Optional(Type.String()),
  description: Type.Optional(Text(10_000)),
  summary: Type.Optional(Text(10_000)),
  location_id: Type.Optional(NullableString),
  character_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 200 })),
  panels: Type.Optional(Type.Array(PanelProposal, { maxItems: 100 })),
});
export type SceneProposal = Static<typeof SceneProposal>;

export const ChapterContent = Type.Object({ scenes: Type.Array(SceneProposal, { minItems: 1, maxItems: 50 }) });
export type ChapterContent = Static<typeof ChapterContent>;

/** `content` as `schema` describes it, or a 422 naming the first part that does not fit. */
export function checkContent<T extends TSchema>(schema: T, content: unknown, what: string): Static<T> {
  if (Value.Check(schema, content)) return content as Static<T>;
  const first = Value.Errors(schema, content).First();
  const path = first ? first.path.split('/').filter(Boolean).join('.') : '';
  const field = path ? `variant.content.${path}` : 'variant.content';
  throw ValidationError.field(field, `The variant is not a valid ${what}${first ? `: ${first.message}` : ''}`);
}

/** What the project holds, for dropping stale references from proposals. */
export interface KnownRefs {
  characters: ReadonlySet<string>;
  locations: ReadonlySet<string>;
}

const SPEAKERLESS = new Set<BubbleType>(['caption', 'sfx']);

/** Bubbles of a proposal: unknown speakers and speakers on caption/sfx become null. */
export function normaliseBubbles(bubbles: BubblesContent, known: KnownRefs) {
  return bubbles.map((bubble) => {
    const speaker = bubble.character_id ?? null;
    const keep = speaker !== null && known.characters.has(speaker) && !SPEAKERLESS.has(bubble.type);
    return { type: bubble.type, character_id: keep ? speaker : null, text: bubble.text };
  });
}

/** The panel fields a proposal sets (dialogue separately), with stale references dropped. */
export function normalisePanel(proposal: PanelProposal, known: KnownRefs) {
  const shot = proposal.shot_type ?? null;
  return {
    description: proposal.description ?? '',
    shot_type: shot !== null && (SHOT_TYPES as readonly string[]).includes(shot) ? (shot as ShotType) : null,
    camera_angle: proposal.camera_angle ?? '',
    character_ids: [...new Set((proposal.character_ids ?? []).filter((id) => known.characters.has(id)))],
    location_id: proposal.location_id && known.locations.has(proposal.location_id) ? proposal.location_id : null,
    visual_prompt: proposal.visual_prompt ?? '',
    notes: proposal.notes ?? '',
  };
}

/** A scene title within 1..200 characters; a blank one is named by its position. */
export function sceneTitle(title: string | undefined, position: number): string {
  const trimmed = (title ?? '').trim().slice(0, 200);
  return trimmed === '' ? `Scene ${position + 1}` : trimmed;
}
