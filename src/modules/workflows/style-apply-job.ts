/**
 * The `style_guide_apply` job: every panel in scope gets a visual prompt rewritten with the
 * project's current style guide, as a `visual_prompt` text draft for the panel or, with
 * `apply`, written straight to the panel (the same update, version bump and event as a PUT).
 * With `regenerate_images` each panel also gets an image draft drawn with the new prompt.
 * Prompts already applied stay applied when a later panel fails or the job is canceled.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobHandler } from '../../ports/job-queue.js';
import { NotFoundError } from '../../errors.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import type { PanelsService } from '../panels/panels.service.js';
import { createJobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader } from '../generation/story-context.js';
import { flag, num, revisionOf, scopeOf, str } from './job-params.js';
import { revisePanelPrompt } from './revise-panel.js';
import { panelsInScope } from './scope-panels.js';
import { drawPanel, span, stepSeed, textDraft, writeVisualPrompt, type StepDeps } from './steps.js';

export interface StyleApplyJobDeps extends StepDeps {
  store: Pick<DocumentStore, 'find' | 'get'>;
  story: Pick<StoryLoader, 'load'>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
  panels: Pick<PanelsService, 'update'>;
  removeImage(ownerId: string, imageId: string): Promise<void>;
}

export function styleApplyHandler(deps: StyleApplyJobDeps): JobHandler {
  return async (context) => {
    const { job, signal } = context;
    const outputs = createJobOutputs({ removeImage: deps.removeImage, drafts: deps.drafts }, context);
    await outputs.discardEarlier();
    return outputs.guard(async () => {
      const revising = revisionOf(job);
      if (revising) return revisePanelPrompt(deps, context, outputs, revising);
      const projectId = str(job.params, 'project_id')!;
      const apply = flag(job.params, 'apply');
      const regenerate = flag(job.params, 'regenerate_images');
      const n = num(job.params, 'n', 1);
      const panels = await panelsInScope(deps.store, projectId, scopeOf(job.params) ?? { type: 'project', id: projectId });
      const promptDrafts: string[] = [];
      const imageDrafts: string[] = [];
      const updated: string[] = [];
      const prompts: string[] = [];
      for (const [index, panel] of panels.entries()) {
        signal.throwIfAborted();
        const progress = span(context, index / panels.length, (index + 1) / panels.length);
        const label = `Panel ${index + 1} of ${panels.length}`;
        progress(0, `${label}: visual prompt`);
        let loaded;
        try {
          loaded = await deps.story.load(job.owner_id, { type: 'panel', id: panel.id });
        } catch (error) {
          // Deleted since the job was queued: nothing to restyle.
          if (error instanceof NotFoundError) continue;
          throw error;
        }
        if (loaded.target.type !== 'panel') continue;
        const written = await writeVisualPrompt(deps, context, loaded.context, loaded.target.panel, loaded.target.scene, stepSeed(job.seed, index));
        if (index === 0) prompts.push(written.prompt);
        if (apply) {
          const done = await deps.panels.update(job.owner_id, panel.id, { visual_prompt: written.text }).catch((error: unknown) => {
            if (error instanceof NotFoundError) return null;
            throw error;
          });
          if (!done) continue;
          updated.push(panel.id);
        } else {
          promptDrafts.push(await textDraft(deps, context, outputs, loaded.project_id, panel.id, 'visual_prompt', written.text));
        }
        if (regenerate) {
          const drawn = await drawPanel(deps, context, outputs, loaded, written.text, { seed: stepSeed(job.seed, index), n, progress: (p, m) => progress(0.3 + 0.7 * p, m ?? `${label}: drawing`) });
          imageDrafts.push(drawn.draft_id);
          prompts.push(`[panel ${index + 1}] ${drawn.prompt}`);
        }
        progress(1, `${label}: done`);
      }
      await context.annotate({ prompt: prompts.join('\n\n'), provider: regenerate ? deps.image.name : deps.text.name, model: regenerate ? deps.image.model : deps.text.model, seed: job.seed });
      return {
        result: {
          draft_ids: [...promptDrafts, ...imageDrafts],
          visual_prompt_draft_ids: promptDrafts,
          image_draft_ids: imageDrafts,
          updated_panel_ids: updated,
          image_ids: [...outputs.imageIds],
        },
        draft_id: null,
        discard: outputs.discard,
      };
    });
  };
}
