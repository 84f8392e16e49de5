/** Every feature module's routes, mounted under /api/v1. One line per module. */
import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.js';
import { authRoutes } from './auth/auth.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { projectsRoutes } from './projects/projects.routes.js';
import { styleGuidesRoutes } from './style-guides/style-guides.routes.js';
import { projectIoRoutes } from './project-io/project-io.routes.js';
import { chaptersRoutes } from './chapters/chapters.routes.js';
import { scenesRoutes } from './scenes/scenes.routes.js';
import { panelsRoutes } from './panels/panels.routes.js';
import { charactersRoutes } from './characters/characters.routes.js';
import { locationsRoutes } from './locations/locations.routes.js';
import { instructionsRoutes } from './instructions/instructions.routes.js';
import { imagesRoutes } from './images/images.routes.js';
import { generationRoutes } from './generation/generation.routes.js';
import { tasksRoutes } from './tasks/tasks.routes.js';
import { draftsRoutes } from './drafts/drafts.routes.js';
import { workflowsRoutes } from './workflows/workflows.routes.js';

export async function registerModules(api: FastifyInstance, { services }: Container): Promise<void> {
  await api.register(healthRoutes, { health: services.health });
  await api.register(authRoutes, { auth: services.auth });
  await api.register(projectsRoutes, { projects: services.projects });
  await api.register(styleGuidesRoutes, { styleGuides: services.styleGuides });
  await api.register(projectIoRoutes, { stats: services.projectStats, exporter: services.projectExport, duplicator: services.projectDuplicate });
  await api.register(chaptersRoutes, { chapters: services.chapters });
  await api.register(scenesRoutes, { scenes: services.scenes });
  await api.register(panelsRoutes, { panels: services.panels });
  await api.register(charactersRoutes, { characters: services.characters });
  await api.register(locationsRoutes, { locations: services.locations });
  await api.register(instructionsRoutes, { instructions: services.instructions });
  await api.register(imagesRoutes, { images: services.images, imageLinks: services.imageLinks, auth: services.auth });
  await api.register(generationRoutes, { generation: services.generation });
  await api.register(tasksRoutes, { tasks: services.tasks });
  await api.register(draftsRoutes, { drafts: services.drafts });
  await api.register(workflowsRoutes, { workflows: services.workflows, consistency: services.consistency });
}
