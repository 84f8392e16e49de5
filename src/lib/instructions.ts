/**
 * Which instructions apply to a target, and in what order. Every AI prompt for a target
 * includes exactly this list, so the ordering lives here, pure, for prompt assembly to reuse.
 */
export const SCOPE_TYPES = ['project', 'chapter', 'scene', 'panel'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

export interface ScopeRef {
  type: ScopeType;
  id: string;
}

export interface OrderableInstruction {
  id: string;
  scope: ScopeRef;
  priority: number;
  created_at: string;
  enabled: boolean;
}

/** Where a target sits: its own id plus the ids of the containers above it (as stored on the document). */
export interface ScopeTarget {
  type: ScopeType;
  id: string;
  project_id?: string;
  chapter_id?: string;
  scene_id?: string;
}

/**
 * The scope chain of a target, most general first: a panel's is project, chapter, scene,
 * panel. A project is its own project; a missing parent id is a caller bug, so it throws.
 */
export function scopeChain(target: ScopeTarget): ScopeRef[] {
  const depth = SCOPE_TYPES.indexOf(target.type);
  const parents: Record<ScopeType, string | undefined> = {
    project: target.type === 'project' ? target.id : target.project_id,
    chapter: target.type === 'chapter' ? target.id : target.chapter_id,
    scene: target.type === 'scene' ? target.id : target.scene_id,
    panel: target.type === 'panel' ? target.id : undefined,
  };
  return SCOPE_TYPES.slice(0, depth + 1).map((type) => {
    const id = parents[type];
    if (!id) throw new Error(`A ${target.type} target needs its ${type} id`);
    return { type, id };
  });
}

/**
 * The enabled instructions whose scope is in `chain` (most general first), ordered by chain
 * position, then priority (higher first), then creation time, then id (so the order is total).
 * Anything outside the chain (e.g. a sibling scene's instructions) or disabled is dropped.
 */
export function orderApplicable<T extends OrderableInstruction>(instructions: readonly T[], chain: readonly ScopeRef[]): T[] {
  const position = new Map(chain.map((scope, index) => [`${scope.type}:${scope.id}`, index]));
  const rank = (instruction: T) => position.get(`${instruction.scope.type}:${instruction.scope.id}`);
  return instructions
    .filter((instruction) => instruction.enabled && rank(instruction) !== undefined)
    .sort(
      (a, b) =>
        rank(a)! - rank(b)! ||
        b.priority - a.priority ||
        compareText(a.created_at, b.created_at) ||
        compareText(a.id, b.id),
    );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
