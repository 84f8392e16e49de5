import type { FastifyReply } from 'fastify';
import { ok } from '../../http/envelope.js';
import type { JobDoc } from '../../ports/job-queue.js';

/** 202 with the queued job; Location points at its status. */
export function accepted(reply: FastifyReply, location: string, job: JobDoc) {
  return reply.code(202).header('Location', location).send(ok(job));
}
