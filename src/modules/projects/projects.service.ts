import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { PROJECT_SCOPED_COLLECTIONS } from '../../ports/collections.js';
import { newId } from '../../lib/ids.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned } from '../shared/access.js';
import { assertImagesInProject } from '../shared/image-refs.js';
import { publishContentChange } from '../shared/events.js';
import { DEFAULT_STYLE_GUIDE, type Project, type ProjectCreate, type ProjectUpdate, type StyleGuidePatch } from './projects.schemas.js';

const PROJECTS = 'projects';

export interface ProjectsDeps {
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'findPage' | 'update' | 'delete' | 'deleteMany' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  /** Runs after a project and its documents are deleted (e.g. freeing image files). */
  afterProjectDeleted?: ((projectId: string) => Promise<void>)[];
}

/** The project's own event: its project_id is itself. */
const projectEvent = (project: Project) => ({ project_id: project.id, owner_id: project.owner_id });

export function createProjectsService(deps: ProjectsDeps) {
  const { store, events } = deps;
  const load = (userId: string, projectId: string) => loadOwned<Project>(store, PROJECTS, projectId, userId, 'Project');

  return {
    load,

    async create(userId: string, input: ProjectCreate): Promise<Project> {
      const project = await store.insert<Project>(PROJECTS, {
        id: newId(),
        owner_id: userId,
        title: input.title,
        description: input.description ?? '',
        genre: input.genre ?? '',
        tags: input.tags ?? [],
        style_guide: { ...DEFAULT_STYLE_GUIDE, ...input.style_guide },
      });
      await publishContentChange(events, projectEvent(project), { resource: 'project', id: project.id, action: 'created', version: project.version });
      return project;
    },

    async list(userId: string, page: PageRequest): Promise<PageResult<Project>> {
      const { items, total } = await store.findPage<Project>(PROJECTS, { owner_id: userId }, { ...page, sort: parseSort(page.sort) });
      return toPage(items, total, page);
    },

    get: load,

    async update(userId: string, projectId: string, input: ProjectUpdate): Promise<Project> {
      const current = await load(userId, projectId);
      const { version, style_guide, ...fields } = input;
      const patch: Partial<Project> = { ...fields };
      if (style_guide) {
        await assertImagesInProject(store, { owner_id: userId, project_id: projectId }, style_guide.reference_image_ids ?? [], 'style_guide.reference_image_ids');
        patch.style_guide = { ...current.style_guide, ...style_guide };
      }
      const updated = await store.update<Project>(PROJECTS, projectId, patch, version === undefined ? {} : { expectedVersion: version });
      if (!updated) return load(userId, projectId);
      await publishContentChange(events, projectEvent(updated), { resource: 'project', id: updated.id, action: 'updated', version: updated.version });
      return updated;
    },

    async updateStyleGuide(userId: string, projectId: string, patch: StyleGuidePatch & { version?: number }): Promise<Project> {
      const { version, ...styleGuide } = patch;
      return this.update(userId, projectId, { style_guide: styleGuide, ...(version === undefined ? {} : { version }) });
    },

    /** Deletes the project and everything in it, in one transaction. */
    async remove(userId: string, projectId: string): Promise<void> {
      const project = await load(userId, projectId);
      await store.transaction(async (tx) => {
        for (const collection of PROJECT_SCOPED_COLLECTIONS) await tx.deleteMany(collection, { project_id: projectId });
        await tx.delete(PROJECTS, projectId);
      });
      for (const hook of deps.afterProjectDeleted ?? []) await hook(projectId);
      await publishContentChange(events, projectEvent(project), { resource: 'project', id: projectId, action: 'deleted', version: null });
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
