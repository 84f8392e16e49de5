import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { loadOwned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import type { Project } from '../projects/projects.schemas.js';
import { copyProjectTree } from './project-copy.js';
import { loadProjectTree } from './project-tree.js';

const MAX_TITLE = 200;
const COPY_SUFFIX = ' (copy)';

/** "<title> (copy)", shortened (by code points, as validation counts them) to stay within 200. */
export function copyTitle(title: string): string {
  const chars = [...title];
  const room = MAX_TITLE - COPY_SUFFIX.length;
  return (chars.length <= room ? title : chars.slice(0, room).join('').trimEnd()) + COPY_SUFFIX;
}

export interface ProjectDuplicateDeps {
  store: Pick<DocumentStore, 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

export function createProjectDuplicateService(deps: ProjectDuplicateDeps) {
  const { store, events } = deps;

  return {
    /** Deep-copies the project; reads and writes happen in one transaction, so the copy is a consistent snapshot. */
    async duplicate(userId: string, projectId: string, input: { title?: string } = {}): Promise<Project> {
      const project = await store.transaction(async (tx) => {
        const source = await loadOwned<Project>(tx, 'projects', projectId, userId, 'Project');
        const copy = copyProjectTree(await loadProjectTree(tx, source), input.title ?? copyTitle(source.title));
        const inserted = await tx.insert<Project>('projects', copy.project);
        for (const collection of ['images', 'chapters', 'scenes', 'panels', 'characters', 'locations', 'instructions'] as const) {
          if (copy[collection].length > 0) await tx.insertMany(collection, copy[collection]);
        }
        return inserted;
      });
      await publishContentChange(events, { project_id: project.id, owner_id: project.owner_id }, {
        resource: 'project',
        id: project.id,
        action: 'created',
        version: project.version,
      });
      return project;
    },
  };
}

export type ProjectDuplicateService = ReturnType<typeof createProjectDuplicateService>;
