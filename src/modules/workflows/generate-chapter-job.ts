/**
 * The `generate_chapter` job: a text draft for the chapter proposing its scenes, each with
 * panels, from the chapter's title and summary, an optional outline, the project's characters
 * and locations and the instructions that apply to the chapter. Selecting a variant creates
 * the scenes and their panels (drafts module).
 */
import { ProviderError } from '../../ports/ai-providers.js';
import type { JobHandler } from '../../ports/job-queue.js';
import { DEFAULT_MAX_SCENES } from '../../lib/prompt-text.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import { createJobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader } from '../generation/story-context.js';
import { knownIds } from './breakdown.js';
import { num, revisionOf, str, withRevision } from './job-params.js';
import { cleanChapter } from './proposals.js';
import { askText, span, type StepDeps } from './steps.js';

export interface GenerateChapterJobDeps extends Pick<StepDeps, 'text'> {
  story: Pick<StoryLoader, 'load'>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
}

export function generateChapterHandler(deps: GenerateChapterJobDeps): JobHandler {
  return async (context) => {
    const { job, signal } = context;
    const outputs = createJobOutputs({ removeImage: async () => undefined, drafts: deps.drafts }, context);
    await outputs.discardEarlier();
    return outputs.guard(async () => {
      const chapterId = str(job.params, 'chapter_id')!;
      const loaded = withRevision(await deps.story.load(job.owner_id, { type: 'chapter', id: chapterId }), job);
      if (loaded.target.type !== 'chapter') throw new Error('generate_chapter needs a chapter');
      const maxScenes = num(job.params, 'max_scenes', DEFAULT_MAX_SCENES);
      const outline = str(job.params, 'outline');
      await context.progress(0.02, 'Reading the chapter');
      const asked = await askText(
        deps,
        context,
        { ...loaded.context, task: 'generate_chapter', chapter: loaded.target.chapter, max_scenes: maxScenes, ...(outline ? { outline } : {}) },
        num(job.params, 'variants', 2),
        job.seed,
        span(context, 0.05, 0.9),
      );
      await context.annotate({ prompt: asked.prompt, provider: deps.text.name, model: deps.text.model, seed: job.seed });
      const known = knownIds(loaded);
      const variants = asked.answers.map((answer) => cleanChapter(answer.content, known, maxScenes)).filter((content) => content.scenes.length > 0);
      if (variants.length === 0) throw new ProviderError(`The text provider "${deps.text.name}" proposed no scenes for the chapter`);

      const draft = await deps.drafts.create({
        id: await outputs.reserveDraft(),
        owner_id: job.owner_id,
        project_id: loaded.project_id,
        target: { type: 'chapter', id: chapterId },
        kind: 'text',
        source: { type: job.kind, id: job.id },
        variants: variants.map((content) => ({ content, metadata: { task: 'generate_chapter', workflow: job.type, provider: deps.text.name, model: deps.text.model } })),
        revision_of: revisionOf(job),
      });
      signal.throwIfAborted();
      return { result: { draft_id: draft.id, variants: draft.variants }, draft_id: draft.id, discard: outputs.discard };
    });
  };
}
