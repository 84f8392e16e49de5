/**
 * Workflow requests: check that the user owns what is asked for (404 otherwise; 422 for a
 * scope outside the project), then queue the job (202). The jobs themselves are in the
 * *-job.ts files. Text workflows are `task` jobs (status at /tasks/{task_id}/status); those
 * that draw images are `generation` jobs (/generate/status/{generation_id}).
 */
import type { ImageProvider, TextProvider } from '../../ports/ai-providers.js';
import type { DocumentStore, Filter } from '../../ports/document-store.js';
import type { JobDoc, JobKind, JobQueue } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import { pickSeed } from '../generation/job-records.js';
import type { StoryLoader } from '../generation/story-context.js';
import { DEFAULT_MAX_PANELS } from './breakdown.js';
import type { AutoPanelBody, BreakdownBody, GenerateChapterBody, StoryboardBody, StyleApplyBody } from './workflows.schemas.js';

export const WORKFLOW_JOB_TYPES = ['breakdown', 'auto_panel', 'storyboard', 'generate_chapter', 'style_guide_apply'] as const;
export type WorkflowJobType = (typeof WORKFLOW_JOB_TYPES)[number];

export interface WorkflowsDeps {
  store: Pick<DocumentStore, 'count'>;
  queue: Pick<JobQueue, 'enqueue'>;
  story: Pick<StoryLoader, 'resolve' | 'resolveIn'>;
  text: Pick<TextProvider, 'name' | 'model'>;
  image: Pick<ImageProvider, 'name' | 'model'>;
}

const DEFAULT_VARIANTS = 2;

export function createWorkflowsService(deps: WorkflowsDeps) {
  const { store, queue, story } = deps;

  function enqueue(userId: string, projectId: string, kind: JobKind, type: WorkflowJobType, params: Record<string, unknown> & { seed?: number | undefined }): Promise<JobDoc> {
    const seed = pickSeed(params.seed);
    const provider = kind === 'generation' ? deps.image : deps.text;
    return queue.enqueue({ kind, type, owner_id: userId, project_id: projectId, params: { ...params, seed }, provider: provider.name, model: provider.model, prompt: null, seed });
  }

  return {
    async breakdown(userId: string, sceneId: string, body: BreakdownBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'scene', id: sceneId });
      return enqueue(userId, project_id, 'task', 'breakdown', { scene_id: sceneId, max_panels: body.max_panels ?? DEFAULT_MAX_PANELS, variants: body.variants ?? DEFAULT_VARIANTS, seed: body.seed });
    },

    async autoPanel(userId: string, body: AutoPanelBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'scene', id: body.scene_id });
      return enqueue(userId, project_id, 'task', 'auto_panel', {
        scene_id: body.scene_id,
        apply: body.apply ?? false,
        max_panels: body.max_panels ?? DEFAULT_MAX_PANELS,
        variants: body.variants ?? DEFAULT_VARIANTS,
        seed: body.seed,
      });
    },

    async storyboard(userId: string, body: StoryboardBody): Promise<JobDoc> {
      if ((body.scene_id === undefined) === (body.chapter_id === undefined)) {
        throw ValidationError.field(body.scene_id === undefined ? 'scene_id' : 'chapter_id', 'Give exactly one of scene_id or chapter_id');
      }
      const common = { n: body.n ?? 1, seed: body.seed };
      if (body.scene_id !== undefined) {
        const { project_id } = await story.resolve(userId, { type: 'scene', id: body.scene_id });
        return enqueue(userId, project_id, 'generation', 'storyboard', { scene_id: body.scene_id, ...common });
      }
      const { project_id } = await story.resolve(userId, { type: 'chapter', id: body.chapter_id! });
      if ((await store.count('scenes', { chapter_id: body.chapter_id! })) === 0) {
        throw ValidationError.field('chapter_id', 'The chapter has no scenes to storyboard; propose some with /workflow/generate-chapter first');
      }
      return enqueue(userId, project_id, 'generation', 'storyboard', { chapter_id: body.chapter_id, ...common });
    },

    async generateChapter(userId: string, body: GenerateChapterBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'chapter', id: body.chapter_id });
      return enqueue(userId, project_id, 'task', 'generate_chapter', {
        chapter_id: body.chapter_id,
        ...(body.outline ? { outline: body.outline } : {}),
        ...(body.max_scenes ? { max_scenes: body.max_scenes } : {}),
        variants: body.variants ?? DEFAULT_VARIANTS,
        seed: body.seed,
      });
    },

    /** A `generation` job with regenerate_images, a `task` job otherwise. */
    async styleGuideApply(userId: string, projectId: string, body: StyleApplyBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'project', id: projectId });
      const scope = body.scope ?? { type: 'project' as const, id: project_id };
      if (scope.type === 'project' && scope.id !== project_id) throw ValidationError.field('scope.id', 'must be the project of the path for a project scope');
      if (scope.type !== 'project') await story.resolveIn(userId, scope, project_id, 'scope.id');
      const filter: Filter = scope.type === 'project' ? { project_id } : scope.type === 'panel' ? { id: scope.id } : { [`${scope.type}_id`]: scope.id };
      if ((await store.count('panels', filter)) === 0) throw ValidationError.field('scope', 'There are no panels in scope to restyle');
      const regenerate = body.regenerate_images ?? false;
      return enqueue(userId, project_id, regenerate ? 'generation' : 'task', 'style_guide_apply', {
        project_id,
        scope,
        apply: body.apply ?? false,
        regenerate_images: regenerate,
        n: body.n ?? 1,
        seed: body.seed,
      });
    },
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
