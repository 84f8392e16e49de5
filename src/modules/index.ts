/** Every feature module's routes, mounted under /api/v1. One line per module. */
import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.js';
import { authRoutes } from './auth/auth.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { projectsRoutes } from './projects/projects.routes.js';

export async function registerModules(api: FastifyInstance, { services }: Container): Promise<void> {
  await api.register(healthRoutes, { health: services.health });
  await api.register(authRoutes, { auth: services.auth });
  await api.register(projectsRoutes, { projects: services.projects });
}
