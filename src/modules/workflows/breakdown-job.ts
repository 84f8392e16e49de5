/**
 * The `breakdown` and `auto_panel` jobs: a breakdown draft for a scene; auto-panel adds a
 * visual prompt to every proposed panel and, with `apply`, selects the first variant at once
 * (the panels are created at the end of the scene, as a writer's selection would).
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobHandler } from '../../ports/job-queue.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import { createJobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader } from '../generation/story-context.js';
import { DEFAULT_MAX_PANELS, applyFirstVariant, breakdownDraft, proposeBreakdown, type DraftSelect } from './breakdown.js';
import { appliedEarlier, flag, num, str, withRevision } from './job-params.js';
import { span, type StepDeps } from './steps.js';

export interface BreakdownJobDeps extends Pick<StepDeps, 'text'> {
  store: Pick<DocumentStore, 'find'>;
  story: Pick<StoryLoader, 'load'>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
  select: DraftSelect;
}

export function breakdownHandler(deps: BreakdownJobDeps): JobHandler {
  return async (context) => {
    const { job, signal } = context;
    const sceneId = str(job.params, 'scene_id')!;
    const earlier = await appliedEarlier(deps.store, job);
    if (earlier) return { result: { draft_id: earlier.id, variants: earlier.variants, applied: true, panel_ids: [] }, draft_id: earlier.id };

    const outputs = createJobOutputs({ removeImage: async () => undefined, drafts: deps.drafts }, context);
    await outputs.discardEarlier();
    return outputs.guard(async () => {
      const loaded = withRevision(await deps.story.load(job.owner_id, { type: 'scene', id: sceneId }), job);
      const visualPrompts = job.type === 'auto_panel';
      await context.progress(0.02, 'Reading the scene');
      const { variants, prompts } = await proposeBreakdown(
        deps,
        context,
        loaded,
        { maxPanels: num(job.params, 'max_panels', DEFAULT_MAX_PANELS), variants: num(job.params, 'variants', 2), seed: job.seed, visualPrompts },
        span(context, 0.05, 0.9),
      );
      // The breakdown prompt, and for auto-panel the first visual-prompt request as a sample.
      await context.annotate({ prompt: prompts.join('\n\n---\n\n'), provider: deps.text.name, model: deps.text.model, seed: job.seed });
      const draft = await breakdownDraft(deps, context, outputs, loaded, variants);
      signal.throwIfAborted();
      if (!flag(job.params, 'apply')) return { result: { draft_id: draft.id, variants: draft.variants, applied: false }, draft_id: draft.id, discard: outputs.discard };

      await context.progress(0.95, 'Creating the panels');
      const panelIds = await applyFirstVariant(deps.store, deps.select, job.owner_id, draft, sceneId);
      // Applied panels are the writer's now: a cancel arriving at this point leaves them.
      return { result: { draft_id: draft.id, variants: draft.variants, applied: true, panel_ids: panelIds }, draft_id: draft.id };
    });
  };
}
