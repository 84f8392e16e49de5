/**
 * The `storyboard` job: for every panel of a scene or chapter, a visual prompt and an image
 * draft, in reading order, progress per panel.
 *
 * - A scene without panels is broken down first and the first variant is APPLIED (its panels
 *   are created, the breakdown draft is marked selected): image drafts need panels to target,
 *   and a storyboard of an empty scene is otherwise nothing. The writer still reviews every
 *   image; the created panels are ordinary panels they can edit or delete. Those panels stay
 *   when the job later fails or is canceled (they were applied, not proposed).
 * - A panel that already has a visual prompt is drawn with it (the writer's prompt wins);
 *   one without gets a generated prompt, kept as a `visual_prompt` text draft for the panel
 *   and used for its image.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobContext, JobHandler } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import { createJobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader } from '../generation/story-context.js';
import { DEFAULT_MAX_PANELS, applyFirstVariant, breakdownDraft, proposeBreakdown, type DraftSelect } from './breakdown.js';
import { num, revisionOf, str } from './job-params.js';
import { revisePanelPrompt } from './revise-panel.js';
import { panelsInScope, scenesInScope, type SceneDoc, type WorkScope } from './scope-panels.js';
import { drawPanel, span, stepSeed, textDraft, writeVisualPrompt, type StepDeps } from './steps.js';

export interface StoryboardJobDeps extends StepDeps {
  store: Pick<DocumentStore, 'find' | 'get' | 'count'>;
  story: Pick<StoryLoader, 'load'>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
  removeImage(ownerId: string, imageId: string): Promise<void>;
  select: DraftSelect;
}

interface PanelResult {
  panel_id: string;
  image_draft_id: string;
  visual_prompt_draft_id: string | null;
  image_ids: string[];
}

export function storyboardHandler(deps: StoryboardJobDeps): JobHandler {
  return async (context) => {
    const { job, signal } = context;
    const scope: WorkScope = str(job.params, 'scene_id') ? { type: 'scene', id: str(job.params, 'scene_id')! } : { type: 'chapter', id: str(job.params, 'chapter_id')! };
    // Applied breakdowns are not outputs to discard: they ride along in every checkpoint.
    const applied: string[] = Array.isArray(job.result?.breakdown_draft_ids) ? [...(job.result.breakdown_draft_ids as string[])] : [];
    const tracked: JobContext = { ...context, checkpoint: (partial) => context.checkpoint({ ...partial, breakdown_draft_ids: [...applied] }) };
    const outputs = createJobOutputs({ removeImage: deps.removeImage, drafts: deps.drafts }, tracked);
    await outputs.discardEarlier();

    return outputs.guard(async () => {
      const revising = revisionOf(job);
      if (revising) return revisePanelPrompt(deps, context, outputs, revising);
      const projectId = job.project_id!;
      const empty: SceneDoc[] = [];
      for (const scene of await scenesInScope(deps.store, projectId, scope)) {
        if ((await deps.store.count('panels', { scene_id: scene.id })) === 0) empty.push(scene);
      }
      const breakdownShare = empty.length > 0 ? 0.2 : 0;
      for (const [index, scene] of empty.entries()) {
        signal.throwIfAborted();
        const progress = span(context, (breakdownShare * index) / empty.length, (breakdownShare * (index + 1)) / empty.length);
        progress(0, `Breaking down scene "${scene.title}"`);
        const loaded = await deps.story.load(job.owner_id, { type: 'scene', id: scene.id });
        const { variants } = await proposeBreakdown(deps, context, loaded, { maxPanels: DEFAULT_MAX_PANELS, variants: 1, seed: stepSeed(job.seed, index), visualPrompts: false }, progress);
        const draft = await breakdownDraft(deps, context, null, loaded, variants);
        applied.push(draft.id);
        await tracked.checkpoint({ image_ids: [...outputs.imageIds], draft_ids: [...outputs.draftIds], partial: true });
        await applyFirstVariant(deps.store, deps.select, job.owner_id, draft, scene.id);
      }

      const panels = await panelsInScope(deps.store, projectId, scope);
      if (panels.length === 0) throw ValidationError.field(scope.type === 'scene' ? 'scene_id' : 'chapter_id', 'There are no panels to storyboard');
      const n = num(job.params, 'n', 1);
      const results: PanelResult[] = [];
      const prompts: string[] = [];
      for (const [index, panel] of panels.entries()) {
        signal.throwIfAborted();
        const progress = span(context, breakdownShare + ((1 - breakdownShare) * index) / panels.length, breakdownShare + ((1 - breakdownShare) * (index + 1)) / panels.length);
        const label = `Panel ${index + 1} of ${panels.length}`;
        progress(0, `${label}: visual prompt`);
        const loaded = await deps.story.load(job.owner_id, { type: 'panel', id: panel.id });
        let visual = panel.visual_prompt?.trim() ?? '';
        let promptDraft: string | null = null;
        if (!visual && loaded.target.type === 'panel') {
          const written = await writeVisualPrompt(deps, context, loaded.context, loaded.target.panel, loaded.target.scene, stepSeed(job.seed, index));
          visual = written.text;
          promptDraft = await textDraft(deps, context, outputs, loaded.project_id, panel.id, 'visual_prompt', visual);
        }
        const drawn = await drawPanel(deps, context, outputs, loaded, visual, { seed: stepSeed(job.seed, index), n, progress: (p, m) => progress(0.2 + 0.8 * p, m ?? `${label}: drawing`) });
        prompts.push(`[panel ${index + 1}] ${drawn.prompt}`);
        results.push({ panel_id: panel.id, image_draft_id: drawn.draft_id, visual_prompt_draft_id: promptDraft, image_ids: drawn.image_ids });
        progress(1, `${label}: done`);
      }
      await context.annotate({ prompt: prompts.join('\n'), provider: deps.image.name, model: deps.image.model, seed: job.seed });
      return {
        result: {
          draft_ids: results.map((r) => r.image_draft_id),
          visual_prompt_draft_ids: results.map((r) => r.visual_prompt_draft_id).filter((id): id is string => id !== null),
          breakdown_draft_ids: [...applied],
          image_ids: results.flatMap((r) => r.image_ids),
          panels: results,
        },
        draft_id: null,
        discard: outputs.discard,
      };
    });
  };
}
