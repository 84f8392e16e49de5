/**
 * Revising one per-panel draft of a multi-panel workflow (storyboard, style-guide apply). The
 * drafts module re-runs the job that made a draft with `params.revision_of`; for these jobs
 * that means the one panel of the revised draft, not the whole storyboard again. Image drafts
 * never get here (the drafts module revises them as `panel_image` jobs), so this rewrites a
 * `visual_prompt` draft: a new prompt with the revise instructions and feedback, kept as a
 * draft with `revision_of`.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobContext, JobOutcome } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import { DRAFTS, type DraftDoc } from '../drafts/drafts.store.js';
import type { JobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader } from '../generation/story-context.js';
import { withRevision } from './job-params.js';
import { textDraft, writeVisualPrompt, type StepDeps } from './steps.js';

export interface RevisePanelDeps extends Pick<StepDeps, 'text' | 'drafts'> {
  store: Pick<DocumentStore, 'get'>;
  story: Pick<StoryLoader, 'load'>;
}

export async function revisePanelPrompt(deps: RevisePanelDeps, context: JobContext, outputs: JobOutputs, revisedId: string): Promise<JobOutcome> {
  const { job } = context;
  const revised = await deps.store.get<DraftDoc>(DRAFTS, revisedId);
  if (!revised || revised.owner_id !== job.owner_id || revised.target_type !== 'panel' || revised.kind !== 'text') {
    throw ValidationError.field('revision_of', 'Only a per-panel visual prompt draft of this workflow can be revised on its own');
  }
  await context.progress(0.05, 'Rewriting the visual prompt');
  const loaded = withRevision(await deps.story.load(job.owner_id, { type: 'panel', id: revised.target_id }), job);
  if (loaded.target.type !== 'panel') throw new Error('A panel draft must load a panel');
  const written = await writeVisualPrompt(deps, context, loaded.context, loaded.target.panel, loaded.target.scene, job.seed);
  await context.annotate({ prompt: written.prompt, provider: deps.text.name, model: deps.text.model, seed: job.seed });
  const draftId = await textDraft(deps, context, outputs, loaded.project_id, revised.target_id, 'visual_prompt', written.text, revised.id);
  return { result: { draft_ids: [draftId], visual_prompt_draft_ids: [draftId], revision_of: revised.id }, draft_id: draftId, discard: outputs.discard };
}
