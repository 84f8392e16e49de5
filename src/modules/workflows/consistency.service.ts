/**
 * Consistency check and suggestions. The project is loaded with the few-queries tree loader
 * (src/modules/project-io/project-tree.ts) and the pure rules run over it.
 *
 * Sync or async: a check answers 200 at once up to SYNC_MAX_PANELS panels (loading and
 * checking 2,000 panels takes well under a second on SQLite); above that, or with `deep`
 * (an LLM read of the whole story, seconds to minutes), it answers 202 with a
 * `consistency_check` task whose result is the same report.
 * `deep` needs a real text model: with the offline `template` provider it is a 422 rather
 * than a silent no-op, so a client never mistakes "not checked" for "no problems".
 */
import type { TextProvider } from '../../ports/ai-providers.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobContext, JobDoc, JobHandler, JobQueue } from '../../ports/job-queue.js';
import { ProviderError } from '../../ports/ai-providers.js';
import { ValidationError } from '../../errors.js';
import { loadOwned } from '../shared/access.js';
import type { Project } from '../projects/projects.schemas.js';
import { loadProjectTree, type ProjectTree } from '../project-io/project-tree.js';
import { DRAFTS, type DraftDoc } from '../drafts/drafts.store.js';
import type { StoryLoader } from '../generation/story-context.js';
import { checkProject, countBySeverity } from './consistency-rules.js';
import type { CheckBubble, CheckProject, CheckScope, Issue } from './consistency-types.js';
import { CONTINUITY_SCHEMA, CONTINUITY_TASK, continuityIssues, continuityPrompt, idsInScope } from './continuity.js';
import { buildSuggestions, type Suggestion } from './suggestions.js';
import { scopeOf } from './job-params.js';

export const SYNC_MAX_PANELS = 2000;
export const CONSISTENCY_JOB = 'consistency_check';

export interface ConsistencyReport {
  project_id: string;
  scope: CheckScope;
  deep: boolean;
  issues: Issue[];
  summary: { error: number; warning: number; info: number };
}

export interface ConsistencyDeps {
  store: Pick<DocumentStore, 'get' | 'find' | 'count'>;
  queue: Pick<JobQueue, 'enqueue'>;
  story: Pick<StoryLoader, 'resolveIn'>;
  text: Pick<TextProvider, 'name' | 'model'>;
  /** The text provider when it is a real model (deep checks); null with the offline template provider. */
  llm: TextProvider | null;
  syncMaxPanels?: number;
}

export interface CheckBody {
  project_id: string;
  scope?: CheckScope;
  deep?: boolean;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const ids = (value: unknown) => (Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);

/** The tree as the rules read it. */
export function toCheckProject(tree: ProjectTree): CheckProject {
  return {
    id: tree.project.id,
    title: tree.project.title,
    style_guide: { art_style: tree.project.style_guide?.art_style ?? '' },
    chapters: tree.chapters.map(({ chapter, scenes }) => ({
      id: chapter.id,
      order: chapter.order,
      title: text(chapter.title),
      summary: text(chapter.summary),
      scenes: scenes.map(({ scene, panels }) => ({
        id: scene.id,
        order: scene.order,
        version: scene.version,
        title: text(scene.title),
        description: text(scene.description),
        summary: text(scene.summary),
        location_id: scene.location_id ?? null,
        character_ids: ids(scene.character_ids),
        panels: panels.map((panel) => ({
          id: panel.id,
          order: panel.order,
          version: panel.version,
          description: text(panel.description),
          visual_prompt: text(panel.visual_prompt),
          character_ids: ids(panel.character_ids),
          location_id: panel.location_id ?? null,
          dialogue: (panel.dialogue ?? []) as CheckBubble[],
          image_id: panel.image_id ?? null,
        })),
      })),
    })),
    characters: tree.characters.map((c) => ({ id: c.id, name: text(c.name), description: text(c.description), appearance: text(c.appearance), design_image_ids: ids(c.design_image_ids) })),
    locations: tree.locations.map((l) => ({ id: l.id, name: text(l.name) })),
  };
}

export function createConsistencyService(deps: ConsistencyDeps) {
  const { store, queue, story } = deps;
  const syncMax = deps.syncMaxPanels ?? SYNC_MAX_PANELS;
  const loadProject = (userId: string, projectId: string) => loadOwned<Project>(store, 'projects', projectId, userId, 'Project');

  async function checkScope(userId: string, projectId: string, scope: CheckScope | undefined): Promise<CheckScope> {
    if (!scope || scope.type === 'project') {
      if (scope && scope.id !== projectId) throw ValidationError.field('scope.id', 'must be the project_id for a project scope');
      return { type: 'project', id: projectId };
    }
    await story.resolveIn(userId, scope, projectId, 'scope.id');
    return scope;
  }

  /** The report on a loaded project; with `llm` and a job context, the deep notes too. */
  async function report(project: Project, scope: CheckScope, deep: { llm: TextProvider; context: JobContext } | null): Promise<ConsistencyReport> {
    const tree = toCheckProject(await loadProjectTree(store, project));
    const issues = checkProject(tree, scope);
    if (deep) {
      const { llm, context } = deep;
      await context.progress(0.2, 'Reading the story');
      const prompt = continuityPrompt(tree, llm.maxPromptLength);
      await context.annotate({ prompt: `${prompt.system}\n\n${prompt.prompt}`, provider: llm.name, model: llm.model });
      const answers = await llm.generate({ task: CONTINUITY_TASK, system: prompt.system, prompt: prompt.prompt, schema: CONTINUITY_SCHEMA, n: 1 }, { signal: context.signal });
      context.signal.throwIfAborted();
      if (answers.length === 0) throw new ProviderError(`The text provider "${llm.name}" returned no answer`);
      const scoped = idsInScope(tree, scope);
      issues.push(...continuityIssues(answers[0]!.content, tree).filter((note) => !scoped || scoped.has(note.target.id)));
    }
    return { project_id: project.id, scope, deep: deep !== null, issues, summary: countBySeverity(issues) };
  }

  return {
    /** 200 with the report, or a queued job (202) for large projects and deep checks. */
    async check(userId: string, body: CheckBody): Promise<{ report: ConsistencyReport } | { job: JobDoc }> {
      const project = await loadProject(userId, body.project_id);
      const scope = await checkScope(userId, project.id, body.scope);
      if (body.deep && !deps.llm) {
        throw ValidationError.field('deep', `A deep check needs a real text model (TEXT_PROVIDER=openai); the offline "${deps.text.name}" provider cannot read for continuity`);
      }
      if (body.deep || (await store.count('panels', { project_id: project.id })) > syncMax) {
        return {
          job: await queue.enqueue({
            kind: 'task',
            type: CONSISTENCY_JOB,
            owner_id: userId,
            project_id: project.id,
            params: { project_id: project.id, scope, deep: body.deep === true },
            provider: body.deep ? deps.text.name : null,
            model: body.deep ? deps.text.model : null,
            prompt: null,
            seed: null,
          }),
        };
      }
      return { report: await report(project, scope, null) };
    },

    /** The job behind a 202 check. */
    handler(): JobHandler {
      return async (context) => {
        const { job } = context;
        const project = await loadProject(job.owner_id, String(job.params.project_id));
        const scope = scopeOf(job.params) ?? { type: 'project' as const, id: project.id };
        const deep = job.params.deep === true && deps.llm ? { llm: deps.llm, context } : null;
        await context.progress(0.05, 'Checking');
        return { result: { ...(await report(project, scope, deep)) } };
      };
    },

    async suggestions(userId: string, projectId: string, limit: number): Promise<{ project_id: string; suggestions: Suggestion[]; total: number }> {
      const project = await loadProject(userId, projectId);
      const tree = toCheckProject(await loadProjectTree(store, project));
      const pending = await store.find<DraftDoc>(DRAFTS, { project_id: project.id, status: 'pending' });
      const all = buildSuggestions({ project: tree, issues: checkProject(tree), pendingDrafts: pending.length, pendingTargets: new Set(pending.map((d) => d.target_id)) });
      return { project_id: project.id, suggestions: all.slice(0, limit), total: all.length };
    },
  };
}

export type ConsistencyService = ReturnType<typeof createConsistencyService>;
