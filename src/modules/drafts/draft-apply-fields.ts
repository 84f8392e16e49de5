/**
 * Appliers that set one field of the target: image drafts (panel image, chapter cover,
 * character design / sheet, location background) and text drafts (summaries, profile,
 * description, dialogue, outline, visual prompt). Each mirrors the manual edit it stands
 * for: the same checks, the same write, the same events.
 */
import { ConflictError, ValidationError } from '../../errors.js';
import type { StoredDoc } from '../../ports/document-store.js';
import { buildDialogue } from '../panels/panels.logic.js';
import { assertPanelReferences, PANELS } from '../panels/panels.support.js';
import { withDialogue } from '../panels/panel-derived.js';
import type { Panel } from '../panels/panels.schemas.js';
import { BubblesContent, checkContent, ProfileContent, PROFILE_FIELDS, SummaryText, VisualPromptText } from './draft-content.js';
import { appliedTo, changed, dialogueChanged, loadTarget, updateTarget, type Applier, type ApplyInput, type ApplyTx, type ScopedDoc } from './draft-apply-support.js';

/** Image reference lists hold at most this many ids (as in the PUT schemas). */
const MAX_IMAGE_IDS = 100;

interface Chapter extends ScopedDoc {
  summary: string;
  cover_image_id: string | null;
}
interface Scene extends ScopedDoc {
  chapter_id: string;
  summary: string;
}
interface Character extends ScopedDoc {
  design_image_ids: string[];
  sheet_image_id: string | null;
}
interface Location extends ScopedDoc {
  reference_image_ids: string[];
}

/** The variant's image, still there; 422 for a variant without one, 409 when it was deleted. */
async function variantImage(tx: ApplyTx, { draft, variant }: ApplyInput): Promise<string> {
  if (!variant.image_id) throw ValidationError.field('variant_id', 'This variant has no image to apply');
  const image = await tx.get<StoredDoc & { owner_id: string; project_id: string }>('images', variant.image_id);
  if (!image || image.owner_id !== draft.owner_id || image.project_id !== draft.project_id) {
    throw new ConflictError("The variant's image was deleted, so this variant cannot be applied", { image_id: variant.image_id });
  }
  return image.id;
}

function appendId(list: readonly string[] | undefined, id: string, field: string): string[] {
  const current = list ?? [];
  if (current.includes(id)) return [...current];
  if (current.length >= MAX_IMAGE_IDS) throw ValidationError.field(field, `already holds ${MAX_IMAGE_IDS} images; remove one first`);
  return [...current, id];
}

export const panelImage: Applier = async (tx, input) => {
  const imageId = await variantImage(tx, input);
  const panel = await loadTarget<Panel>(tx, PANELS, input.draft, 'Panel');
  const updated = await updateTarget<Panel>(tx, PANELS, panel.id, { image_id: imageId });
  return { applied: appliedTo('panel', updated), events: [changed('panel', updated)] };
};

export const chapterCover: Applier = async (tx, input) => {
  const imageId = await variantImage(tx, input);
  const chapter = await loadTarget<Chapter>(tx, 'chapters', input.draft, 'Chapter');
  const updated = await updateTarget<Chapter>(tx, 'chapters', chapter.id, { cover_image_id: imageId });
  return { applied: appliedTo('chapter', updated), events: [changed('chapter', updated)] };
};

export const characterDesign: Applier = async (tx, input) => {
  const imageId = await variantImage(tx, input);
  const character = await loadTarget<Character>(tx, 'characters', input.draft, 'Character');
  const updated = await updateTarget<Character>(tx, 'characters', character.id, { design_image_ids: appendId(character.design_image_ids, imageId, 'design_image_ids') });
  return { applied: appliedTo('character', updated), events: [changed('character', updated)] };
};

export const characterSheet: Applier = async (tx, input) => {
  const imageId = await variantImage(tx, input);
  const character = await loadTarget<Character>(tx, 'characters', input.draft, 'Character');
  const updated = await updateTarget<Character>(tx, 'characters', character.id, { sheet_image_id: imageId });
  return { applied: appliedTo('character', updated), events: [changed('character', updated)] };
};

export const locationBackground: Applier = async (tx, input) => {
  const imageId = await variantImage(tx, input);
  const location = await loadTarget<Location>(tx, 'locations', input.draft, 'Location');
  const updated = await updateTarget<Location>(tx, 'locations', location.id, { reference_image_ids: appendId(location.reference_image_ids, imageId, 'reference_image_ids') });
  return { applied: appliedTo('location', updated), events: [changed('location', updated)] };
};

/** Images whose target has no image field (a project, a scene, a source image): selecting records the choice only. */
export const recordOnly: Applier = async () => ({ applied: null, events: [] });

export const sceneSummary: Applier = async (tx, { draft, variant }) => {
  const summary = checkContent(SummaryText, variant.content, 'scene summary (text up to 10000 characters)');
  const scene = await loadTarget<Scene>(tx, 'scenes', draft, 'Scene');
  const updated = await updateTarget<Scene>(tx, 'scenes', scene.id, { summary });
  return { applied: appliedTo('scene', updated), events: [changed('scene', updated)] };
};

export const chapterOutline: Applier = async (tx, { draft, variant }) => {
  const summary = checkContent(SummaryText, variant.content, 'chapter outline (text up to 10000 characters)');
  const chapter = await loadTarget<Chapter>(tx, 'chapters', draft, 'Chapter');
  const updated = await updateTarget<Chapter>(tx, 'chapters', chapter.id, { summary });
  return { applied: appliedTo('chapter', updated), events: [changed('chapter', updated)] };
};

/** Only the profile fields the variant carries change; name and images stay. */
export const characterProfile: Applier = async (tx, { draft, variant }) => {
  const profile = checkContent(ProfileContent, variant.content, 'character profile');
  const patch: Partial<ProfileContent> = {};
  for (const field of PROFILE_FIELDS) if (profile[field] !== undefined) Object.assign(patch, { [field]: profile[field] });
  if (Object.keys(patch).length === 0) throw ValidationError.field('variant.content', 'The variant holds no profile field to apply');
  const character = await loadTarget<Character>(tx, 'characters', draft, 'Character');
  const updated = await updateTarget<Character>(tx, 'characters', character.id, patch as Partial<Character>);
  return { applied: appliedTo('character', updated), events: [changed('character', updated)] };
};

const panelText =
  (field: 'description' | 'visual_prompt'): Applier =>
  async (tx, { draft, variant }) => {
    const text =
      field === 'description'
        ? checkContent(SummaryText, variant.content, 'panel description (text up to 10000 characters)')
        : checkContent(VisualPromptText, variant.content, 'visual prompt (text up to 4000 characters)');
    const panel = await loadTarget<Panel>(tx, PANELS, draft, 'Panel');
    const updated = await updateTarget<Panel>(tx, PANELS, panel.id, { [field]: text });
    return { applied: appliedTo('panel', updated), events: [changed('panel', updated)] };
  };

export const panelDescription = panelText('description');
export const visualPrompt = panelText('visual_prompt');

/** Like PUT /panels/{panel_id}/dialogue: the bubbles replace the list, speakers must be the project's characters. */
export const panelDialogue: Applier = async (tx, { draft, variant }) => {
  const bubbles = checkContent(BubblesContent, variant.content, 'list of dialogue bubbles');
  const panel = await loadTarget<Panel>(tx, PANELS, draft, 'Panel');
  const dialogue = buildDialogue(bubbles, panel.dialogue, 'variant.content');
  await assertPanelReferences(tx, panel.project_id, { dialogue });
  const updated = await updateTarget<Panel>(tx, PANELS, panel.id, withDialogue(dialogue));
  return { applied: appliedTo('panel', updated), events: [changed('panel', updated), dialogueChanged(updated)] };
};
