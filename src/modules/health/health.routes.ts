import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorEnvelope, Timestamp } from '../../http/schemas.js';
import type { HealthService } from './health.service.js';

const Services = Type.Record(Type.String(), Type.String(), {
  description: 'Each configured backend: sqlite|mongodb (connected/disconnected), redis, filesystem (available/unavailable)',
});
const Status = Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy'), Type.Literal('alive')]);
/** The envelope, with SPEC.md's plain `status`/`services` mirrored at the top for probes that read those. */
const HealthEnvelope = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({ status: Status, services: Type.Optional(Services) }),
  status: Status,
  services: Type.Optional(Services),
  timestamp: Timestamp,
});
const Unready = Type.Intersect([ErrorEnvelope, Type.Object({ status: Status, services: Services })]);

export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  const tags = ['health'];
  const config = { public: true, rateLimit: false as const };
  const envelope = (report: { status: 'healthy' | 'unhealthy' | 'alive'; services?: Record<string, string> }) => ({
    success: true as const,
    data: report,
    ...report,
    timestamp: new Date().toISOString(),
  });

  app.get('/health', {
    config,
    schema: { tags, summary: 'Status of the server and each backend (always 200)', response: { 200: HealthEnvelope } },
    handler: async () => envelope(await health.report()),
  });

  app.get('/health/live', {
    config,
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: HealthEnvelope } },
    handler: async () => envelope({ status: 'alive' }),
  });

  app.get('/health/ready', {
    config,
    schema: { tags, summary: 'Readiness: 503 while a backend is down', response: { 200: HealthEnvelope, 503: Unready } },
    handler: async (request, reply) => {
      const report = await health.report();
      if (report.status === 'healthy') return envelope(report);
      return reply.code(503).send({
        success: false,
        error: 'A backend is unavailable',
        code: 'service_unavailable',
        details: report,
        ...report,
        timestamp: new Date().toISOString(),
        trace_id: request.trace.traceId,
      });
    },
  });
};
