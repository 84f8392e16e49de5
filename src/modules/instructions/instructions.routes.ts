import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Deleted, Envelope, IdParams, missingBodyAsEmpty } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { InstructionsService } from './instructions.service.js';
import {
  ApplicableInstructions,
  ApplicableQuery,
  Instruction,
  InstructionCreate,
  InstructionListQuery,
  InstructionPage,
  InstructionToggle,
  InstructionUpdate,
  ScopedInstructionCreate,
} from './instructions.schemas.js';

const ProjectParams = IdParams('project_id');
const Params = IdParams('instruction_id');
const location = (instruction: Instruction) => `/api/v1/instructions/${instruction.id}`;

export const instructionsRoutes: FastifyPluginAsyncTypebox<{ instructions: InstructionsService }> = async (app, { instructions }) => {
  const tags = ['instructions'];

  app.get('/projects/:project_id/instructions', {
    schema: {
      tags,
      summary: "List a project's instructions of every scope (filter by scope_type, enabled)",
      params: ProjectParams,
      querystring: InstructionListQuery,
      response: { 200: Envelope(InstructionPage) },
    },
    handler: async (request) => ok(await instructions.list(request.user.id, request.params.project_id, request.query)),
  });

  app.post('/projects/:project_id/instructions', {
    schema: { tags, summary: 'Create an instruction (project-scoped unless scope is given)', params: ProjectParams, body: InstructionCreate, response: { 201: Envelope(Instruction) } },
    handler: async (request, reply) => {
      const instruction = await instructions.create(request.user.id, request.params.project_id, request.body);
      return created(reply, location(instruction), instruction);
    },
  });

  // Static path: Fastify matches it before the parametric /instructions/:instruction_id.
  app.get('/instructions/applicable', {
    schema: {
      tags,
      summary: 'The enabled instructions that apply to a target, in prompt order',
      querystring: ApplicableQuery,
      response: { 200: Envelope(ApplicableInstructions) },
    },
    handler: async (request) => {
      const { scope, id } = request.query;
      return ok({ scope: { type: scope, id }, items: await instructions.applicableFor(request.user.id, scope, id) });
    },
  });

  app.get('/instructions/:instruction_id', {
    schema: { tags, summary: 'Get an instruction', params: Params, response: { 200: Envelope(Instruction) } },
    handler: async (request) => ok(await instructions.get(request.user.id, request.params.instruction_id)),
  });

  app.put('/instructions/:instruction_id', {
    schema: { tags, summary: 'Update an instruction (partial; optional version check)', params: Params, body: InstructionUpdate, response: { 200: Envelope(Instruction) } },
    handler: async (request) => ok(await instructions.update(request.user.id, request.params.instruction_id, request.body)),
  });

  app.delete('/instructions/:instruction_id', {
    schema: { tags, summary: 'Delete an instruction', params: Params, response: { 200: Envelope(Deleted) } },
    handler: async (request) => {
      await instructions.remove(request.user.id, request.params.instruction_id);
      return ok({ id: request.params.instruction_id, deleted: true as const });
    },
  });

  app.post('/instructions/:instruction_id/toggle', {
    schema: { tags, summary: 'Flip enabled (body optional)', params: Params, body: InstructionToggle, response: { 200: Envelope(Instruction) } },
    // The only field is optional, so a POST without a body is a plain toggle.
    preValidation: missingBodyAsEmpty,
    handler: async (request) => ok(await instructions.toggle(request.user.id, request.params.instruction_id, request.body.version)),
  });

  for (const type of ['chapter', 'scene', 'panel'] as const) {
    const param = `${type}_id` as const;
    app.post(`/${type}s/:${param}/instructions`, {
      schema: {
        tags,
        summary: `Create an instruction scoped to the ${type}`,
        params: IdParams(param),
        body: ScopedInstructionCreate,
        response: { 201: Envelope(Instruction) },
      },
      handler: async (request, reply) => {
        const targetId = (request.params as Record<typeof param, string>)[param];
        const instruction = await instructions.createScoped(request.user.id, type, targetId, request.body);
        return created(reply, location(instruction), instruction);
      },
    });
  }
};
