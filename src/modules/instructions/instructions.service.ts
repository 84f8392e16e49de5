import type { DocumentStore, Filter } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { orderApplicable, scopeChain, type ScopeRef, type ScopeTarget, type ScopeType } from '../../lib/instructions.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { assertInProject } from '../shared/references.js';
import type {
  Instruction,
  InstructionCreate,
  InstructionDoc,
  InstructionFilter,
  InstructionUpdate,
  ScopedInstructionCreate,
} from './instructions.schemas.js';

const INSTRUCTIONS = 'instructions';

const TARGETS: Record<ScopeType, { collection: string; label: string }> = {
  project: { collection: 'projects', label: 'Project' },
  chapter: { collection: 'chapters', label: 'Chapter' },
  scene: { collection: 'scenes', label: 'Scene' },
  panel: { collection: 'panels', label: 'Panel' },
};

type TargetDoc = Owned & { project_id?: string; chapter_id?: string; scene_id?: string };

export interface InstructionsDeps {
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'findPage' | 'count' | 'update' | 'delete' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

export function createInstructionsService({ store, events }: InstructionsDeps) {
  const load = (userId: string, instructionId: string) => loadOwned<InstructionDoc>(store, INSTRUCTIONS, instructionId, userId, 'Instruction');

  /** The user's project, chapter, scene or panel (404 otherwise), with the ids above it. */
  async function loadTarget(userId: string, type: ScopeType, id: string): Promise<ScopeTarget & { project_id: string }> {
    const { collection, label } = TARGETS[type];
    const doc = await loadOwned<TargetDoc>(store, collection, id, userId, label);
    const projectId = type === 'project' ? doc.id : doc.project_id!;
    return { type, id, project_id: projectId, ...(doc.chapter_id ? { chapter_id: doc.chapter_id } : {}), ...(doc.scene_id ? { scene_id: doc.scene_id } : {}) };
  }

  const changed = (doc: InstructionDoc, action: 'created' | 'updated' | 'deleted') =>
    publishContentChange(events, doc, {
      resource: 'instruction',
      id: doc.id,
      action,
      version: action === 'deleted' ? null : doc.version,
      parent: { type: doc.scope.type, id: doc.scope.id },
    });

  async function insert(userId: string, projectId: string, scope: ScopeRef, input: ScopedInstructionCreate): Promise<InstructionDoc> {
    const doc = await store.insert<InstructionDoc>(INSTRUCTIONS, {
      id: newId(),
      owner_id: userId,
      project_id: projectId,
      scope: { type: scope.type, id: scope.id },
      scope_type: scope.type,
      scope_id: scope.id,
      content: input.content,
      priority: input.priority ?? 0,
      enabled: input.enabled ?? true,
    });
    await changed(doc, 'created');
    return doc;
  }

  return {
    load,
    get: load,

    /** A project instruction, or one scoped to a chapter/scene/panel of that project (`scope` in the body). */
    async create(userId: string, projectId: string, input: InstructionCreate): Promise<Instruction> {
      await loadOwned<Owned>(store, 'projects', projectId, userId, 'Project');
      const { scope = { type: 'project' as const, id: projectId }, ...fields } = input;
      if (scope.type === 'project') {
        if (scope.id !== projectId) throw ValidationError.field('scope.id', 'must be the project of the path');
      } else {
        await assertInProject(store, TARGETS[scope.type].collection, projectId, [scope.id], 'scope.id');
      }
      return insert(userId, projectId, scope, fields);
    },

    /** An instruction scoped to the chapter, scene or panel of the path. */
    async createScoped(userId: string, type: Exclude<ScopeType, 'project'>, targetId: string, input: ScopedInstructionCreate): Promise<Instruction> {
      const target = await loadTarget(userId, type, targetId);
      return insert(userId, target.project_id, { type, id: targetId }, input);
    },

    async list(userId: string, projectId: string, query: PageRequest & InstructionFilter): Promise<PageResult<Instruction>> {
      await loadOwned<Owned>(store, 'projects', projectId, userId, 'Project');
      const filter: Filter = { project_id: projectId };
      if (query.scope_type !== undefined) filter.scope_type = query.scope_type;
      if (query.enabled !== undefined) filter.enabled = query.enabled;
      const sort = parseSort(query.sort);
      // Equal priorities list in creation order, as they apply.
      if (sort[0]!.field === 'priority') sort.push({ field: 'created_at', direction: 1 });
      const { items, total } = await store.findPage<InstructionDoc>(INSTRUCTIONS, filter, { skip: query.skip, limit: query.limit, sort });
      return toPage(items, total, query);
    },

    async update(userId: string, instructionId: string, input: InstructionUpdate): Promise<Instruction> {
      await load(userId, instructionId);
      const { version, ...fields } = input;
      const updated = await store.update<InstructionDoc>(INSTRUCTIONS, instructionId, fields, version === undefined ? {} : { expectedVersion: version });
      if (!updated) return load(userId, instructionId);
      await changed(updated, 'updated');
      return updated;
    },

    /** Flips `enabled`; read and write share a transaction so concurrent toggles never cancel silently. */
    async toggle(userId: string, instructionId: string, version?: number): Promise<Instruction> {
      const updated = await store.transaction(async (tx) => {
        const current = await loadOwned<InstructionDoc>(tx, INSTRUCTIONS, instructionId, userId, 'Instruction');
        return tx.update<InstructionDoc>(INSTRUCTIONS, instructionId, { enabled: !current.enabled }, version === undefined ? {} : { expectedVersion: version });
      });
      if (!updated) return load(userId, instructionId);
      await changed(updated, 'updated');
      return updated;
    },

    async remove(userId: string, instructionId: string): Promise<void> {
      const instruction = await load(userId, instructionId);
      await store.delete(INSTRUCTIONS, instructionId);
      await changed(instruction, 'deleted');
    },

    /**
     * The enabled instructions every AI prompt for this target includes: project, chapter,
     * scene, then the target's own, each level by priority. The target must be the user's (404).
     */
    async applicableFor(userId: string, scopeType: ScopeType, id: string): Promise<Instruction[]> {
      const target = await loadTarget(userId, scopeType, id);
      const chain = scopeChain(target);
      const candidates = await store.find<InstructionDoc>(INSTRUCTIONS, {
        scope_id: { $in: chain.map((scope) => scope.id) },
        project_id: target.project_id,
        enabled: true,
      });
      return orderApplicable(candidates, chain);
    },
  };
}

export type InstructionsService = ReturnType<typeof createInstructionsService>;
