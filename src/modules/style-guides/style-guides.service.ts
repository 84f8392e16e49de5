import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { publishContentChange } from '../shared/events.js';
import { assertImagesInProject } from '../shared/image-refs.js';
import type { ProjectsService } from '../projects/projects.service.js';
import { DEFAULT_STYLE_GUIDE, type Project } from '../projects/projects.schemas.js';
import type { StyleGuideResource, StyleGuideUpdate } from './style-guides.schemas.js';

export interface StyleGuidesDeps {
  /** The style guide is embedded in the project document, so the projects service owns its storage. */
  projects: Pick<ProjectsService, 'get' | 'updateStyleGuide'>;
  /** Only to check that reference images belong to the project. */
  store: Pick<DocumentStore, 'find'>;
  events: Pick<EventBus, 'publish'>;
}

function toResource(project: Project): StyleGuideResource {
  // Defaults fill fields that a newer schema added after the project was stored.
  return { project_id: project.id, version: project.version, updated_at: project.updated_at, ...DEFAULT_STYLE_GUIDE, ...project.style_guide };
}

export function createStyleGuidesService(deps: StyleGuidesDeps) {
  const { projects, store, events } = deps;

  return {
    async get(userId: string, projectId: string): Promise<StyleGuideResource> {
      return toResource(await projects.get(userId, projectId));
    },

    async update(userId: string, projectId: string, patch: StyleGuideUpdate): Promise<StyleGuideResource> {
      if (patch.reference_image_ids?.length) {
        const current = await projects.get(userId, projectId);
        await assertImagesInProject(store, { owner_id: current.owner_id, project_id: current.id }, patch.reference_image_ids, 'reference_image_ids');
      }
      const project = await projects.updateStyleGuide(userId, projectId, patch);
      await publishContentChange(events, { project_id: project.id, owner_id: project.owner_id }, {
        resource: 'style_guide',
        id: project.id,
        action: 'updated',
        version: project.version,
      });
      return toResource(project);
    },
  };
}

export type StyleGuidesService = ReturnType<typeof createStyleGuidesService>;
