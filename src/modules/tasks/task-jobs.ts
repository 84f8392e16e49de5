/**
 * Runs text tasks: loads the target's story data, builds the prompt (src/lib/prompt-text.ts),
 * records it on the job, asks the text provider for the variants and stores them as one
 * `kind: text` draft for the target.
 */
import { ProviderError, type TextProvider } from '../../ports/ai-providers.js';
import type { JobHandler, JobQueue } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import { buildTextPrompt } from '../../lib/prompt-text.js';
import { TASK_TYPES, type TaskType, type TextTaskInput } from '../../lib/text-tasks.js';
import type { ImageTarget } from '../../lib/prompt.js';
import type { StoryContext } from '../../lib/prompt-types.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import { jobRevision, revisionOf } from '../drafts/revision-params.js';
import { createJobOutputs } from '../generation/job-outputs.js';
import type { StoryLoader, TargetRef } from '../generation/story-context.js';

export interface TaskJobsDeps {
  provider: TextProvider;
  story: Pick<StoryLoader, 'load'>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
}

/** The task's input from the loaded target; the target type was checked when the task was accepted. */
export function taskInput(task: TaskType, target: ImageTarget, context: StoryContext): TextTaskInput {
  switch (task) {
    case 'scene_summary':
      if (target.type === 'scene') return { ...context, task, scene: target.scene };
      break;
    case 'character_profile':
      if (target.type === 'character') return { ...context, task, character: target.character };
      break;
    case 'chapter_outline':
      if (target.type === 'chapter') return { ...context, task, chapter: target.chapter };
      break;
    case 'panel_description':
    case 'dialogue':
    case 'visual_prompt':
      if (target.type === 'panel') return { ...context, task, panel: target.panel, ...(target.scene ? { scene: target.scene } : {}) };
      break;
  }
  throw ValidationError.field('target.type', `A ${task} task cannot run on a ${target.type}`);
}

export function registerTaskJobs(queue: Pick<JobQueue, 'handle'>, deps: TaskJobsDeps): void {
  const { provider } = deps;

  const handler: JobHandler = async (context) => {
    const { job, signal } = context;
    const outputs = createJobOutputs({ removeImage: async () => undefined, drafts: deps.drafts }, context);
    await outputs.discardEarlier();
    return outputs.guard(async () => {
      const ref = job.params.target as TargetRef;
      const variants = typeof job.params.variants === 'number' ? job.params.variants : 2;
      const loaded = await deps.story.load(job.owner_id, ref);
      const extra = typeof job.params.instructions === 'string' ? job.params.instructions : '';
      // The run's own direction comes last, ranked like the most specific instruction.
      const instructions = extra ? [...loaded.context.instructions, { content: extra, scope: { type: 'panel' as const } }] : loaded.context.instructions;
      const revision = jobRevision(job);
      const input = taskInput(job.type as TaskType, loaded.target, { ...loaded.context, instructions, ...(revision ? { revision } : {}) });
      const prompt = buildTextPrompt(input, provider.maxPromptLength);
      await context.annotate({ prompt: `${prompt.system}\n\n${prompt.prompt}`, provider: provider.name, model: provider.model, seed: job.seed });
      await context.progress(0.05, 'Writing');

      const answers = await provider.generate(
        { task: job.type, system: prompt.system, prompt: prompt.prompt, n: variants, ...(prompt.schema ? { schema: prompt.schema } : {}), ...(job.seed !== null ? { seed: job.seed } : {}), context: input as unknown as Record<string, unknown> },
        { signal, onProgress: (report) => void context.progress(0.05 + 0.85 * report.progress, report.message) },
      );
      signal.throwIfAborted();
      if (answers.length === 0) throw new ProviderError(`The text provider "${provider.name}" returned no answer`);

      const draft = await deps.drafts.create({
        id: await outputs.reserveDraft(),
        owner_id: job.owner_id,
        project_id: loaded.project_id,
        target: { type: ref.type, id: ref.id },
        kind: 'text',
        source: { type: 'task', id: job.id },
        revision_of: revisionOf(job),
        variants: answers.slice(0, variants).map((answer) => ({ content: answer.content, metadata: { ...answer.metadata, task: job.type, provider: provider.name, model: provider.model } })),
      });
      signal.throwIfAborted();
      return { result: { draft_id: draft.id, variants: draft.variants }, draft_id: draft.id, discard: outputs.discard };
    });
  };

  for (const type of TASK_TYPES) queue.handle(type, handler);
}
