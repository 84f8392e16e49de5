/**
 * Scene breakdown as a step other workflows reuse: the breakdown text task on a loaded scene
 * (its description, characters, location and the applicable instructions), the answers
 * cleaned into proposed panels, optionally a visual prompt per proposed panel, one text draft
 * for the scene with a variant per answer; and applying a variant through the drafts module's
 * select, so panels are created exactly as a writer's selection would create them.
 */
import { ProviderError } from '../../ports/ai-providers.js';
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { JobContext } from '../../ports/job-queue.js';
import type { PanelInput, SceneInput } from '../../lib/prompt-types.js';
import type { JobOutputs } from '../generation/job-outputs.js';
import type { LoadedStory } from '../generation/story-context.js';
import type { DraftDoc } from '../drafts/drafts.store.js';
import type { DraftSelector } from '../drafts/draft-select.js';
import { cleanBreakdown, type KnownIds, type ProposedPanel } from './proposals.js';
import { revisionOf } from './job-params.js';
import { askText, stepSeed, writeVisualPrompt, type Progress, type StepDeps } from './steps.js';

/** The drafts module's selector: applies a variant exactly as POST /drafts/{draft_id}/select does. */
export type DraftSelect = Pick<DraftSelector, 'select'>;

export const DEFAULT_MAX_PANELS = 8;
export const MAX_PANELS = 30;

export const knownIds = (loaded: LoadedStory): KnownIds => ({
  characters: new Set(loaded.context.characters.map((c) => c.id)),
  locations: new Set(loaded.context.locations.map((l) => l.id)),
});

export interface BreakdownOptions {
  maxPanels: number;
  variants: number;
  seed: number | null;
  /** Also write a visual prompt for every proposed panel (auto-panel). */
  visualPrompts: boolean;
}

/** The proposed panels of each variant; `prompts` are the prompts sent, breakdown first. */
export async function proposeBreakdown(deps: Pick<StepDeps, 'text'>, context: JobContext, loaded: LoadedStory, options: BreakdownOptions, progress: Progress): Promise<{ variants: ProposedPanel[][]; prompts: string[] }> {
  if (loaded.target.type !== 'scene') throw new Error('A breakdown needs a scene');
  const scene: SceneInput = loaded.target.scene;
  const textShare = options.visualPrompts ? 0.3 : 1;
  const asked = await askText(deps, context, { ...loaded.context, task: 'breakdown', scene, max_panels: options.maxPanels }, options.variants, options.seed, (p, m) => progress(p * textShare, m ?? 'Breaking the scene down'));
  const known = knownIds(loaded);
  const variants = asked.answers.map((answer) => cleanBreakdown(answer.content, known, options.maxPanels).panels).filter((panels) => panels.length > 0);
  if (variants.length === 0) throw new ProviderError(`The text provider "${deps.text.name}" proposed no panels for the scene`);
  const prompts = [asked.prompt];
  if (!options.visualPrompts) return { variants, prompts };

  const total = variants.reduce((sum, panels) => sum + panels.length, 0);
  let done = 0;
  for (const panels of variants) {
    for (const [index, proposal] of panels.entries()) {
      // The proposed panel as it will be stored: its order follows the scene's existing panels.
      const panel: PanelInput = { ...proposal, order: (scene.panels?.length ?? 0) + index, shot_type: proposal.shot_type };
      const written = await writeVisualPrompt(deps, context, loaded.context, panel, scene, stepSeed(options.seed, done));
      proposal.visual_prompt = written.text;
      if (done === 0) prompts.push(written.prompt);
      done += 1;
      progress(textShare + ((1 - textShare) * done) / total, `Visual prompt ${done} of ${total}`);
    }
  }
  return { variants, prompts };
}

/** Stores the proposals as one pending text draft for the scene. */
export async function breakdownDraft(deps: Pick<StepDeps, 'drafts' | 'text'>, context: JobContext, outputs: JobOutputs | null, loaded: LoadedStory, variants: ProposedPanel[][]): Promise<DraftDoc> {
  const { job } = context;
  const draft = await deps.drafts.create({
    ...(outputs ? { id: await outputs.reserveDraft() } : {}),
    owner_id: job.owner_id,
    project_id: loaded.project_id,
    target: { type: 'scene', id: loaded.ref.id },
    kind: 'text',
    source: { type: job.kind, id: job.id },
    variants: variants.map((panels) => ({ content: { panels }, metadata: { task: 'breakdown', workflow: job.type, provider: deps.text.name, model: deps.text.model } })),
    revision_of: revisionOf(job),
  });
  return draft;
}

/** Selects the draft's first variant and answers the ids of the panels that created. */
export async function applyFirstVariant(store: Pick<DocumentStore, 'find'>, selector: DraftSelect, userId: string, draft: DraftDoc, sceneId: string): Promise<string[]> {
  const before = new Set((await store.find<StoredDoc>('panels', { scene_id: sceneId }, { fields: [] })).map((panel) => panel.id));
  await selector.select(userId, draft.id, draft.variants[0]!.id);
  const after = await store.find<StoredDoc>('panels', { scene_id: sceneId }, { sort: [{ field: 'order', direction: 1 }], fields: [] });
  return after.filter((panel) => !before.has(panel.id)).map((panel) => panel.id);
}
