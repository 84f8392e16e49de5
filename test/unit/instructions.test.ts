import { describe, expect, it } from 'vitest';
import { orderApplicable, scopeChain, type OrderableInstruction, type ScopeRef } from '../../src/lib/instructions.js';

const chain: ScopeRef[] = [
  { type: 'project', id: 'p' },
  { type: 'chapter', id: 'c' },
  { type: 'scene', id: 's' },
  { type: 'panel', id: 'x' },
];

let seq = 0;
function make(scope: ScopeRef, priority: number, extra: Partial<OrderableInstruction> = {}): OrderableInstruction & { name: string } {
  seq += 1;
  const id = seq.toString(16).padStart(24, '0');
  return { id, name: `${scope.type}:${priority}:${seq}`, scope, priority, created_at: `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`, enabled: true, ...extra };
}

describe('orderApplicable', () => {
  it('puts the most general level first, then higher priority, then older', () => {
    const [p, c, s, x] = chain as [ScopeRef, ScopeRef, ScopeRef, ScopeRef];
    const panelLow = make(x, -1);
    const sceneA = make(s, 2);
    const projectLow = make(p, 0);
    const chapter = make(c, 0);
    const sceneB = make(s, 2);
    const projectHigh = make(p, 7);
    const panelHigh = make(x, 1);
    const ordered = orderApplicable([panelLow, sceneA, projectLow, chapter, sceneB, projectHigh, panelHigh], chain);
    expect(ordered).toEqual([projectHigh, projectLow, chapter, sceneA, sceneB, panelHigh, panelLow]);
  });

  it('drops disabled instructions and those outside the chain (siblings, same id under another type)', () => {
    const kept = make(chain[2]!, 0);
    const ordered = orderApplicable(
      [make(chain[0]!, 9, { enabled: false }), make({ type: 'scene', id: 'sibling' }, 9), make({ type: 'chapter', id: 's' }, 9), kept],
      chain,
    );
    expect(ordered).toEqual([kept]);
  });

  it('breaks full ties by id and does not mutate its input', () => {
    const same = { created_at: '2026-01-01T00:00:00.000Z' };
    const second = { ...make(chain[0]!, 0, same), id: 'b'.repeat(24) };
    const first = { ...make(chain[0]!, 0, same), id: 'a'.repeat(24) };
    const input = [second, first];
    expect(orderApplicable(input, chain)).toEqual([first, second]);
    expect(input).toEqual([second, first]);
  });

  it('returns nothing for an empty chain', () => {
    expect(orderApplicable([make(chain[0]!, 0)], [])).toEqual([]);
  });
});

describe('scopeChain', () => {
  it('builds the chain of each target type, most general first', () => {
    expect(scopeChain({ type: 'project', id: 'p' })).toEqual(chain.slice(0, 1));
    expect(scopeChain({ type: 'chapter', id: 'c', project_id: 'p' })).toEqual(chain.slice(0, 2));
    expect(scopeChain({ type: 'scene', id: 's', project_id: 'p', chapter_id: 'c' })).toEqual(chain.slice(0, 3));
    expect(scopeChain({ type: 'panel', id: 'x', project_id: 'p', chapter_id: 'c', scene_id: 's' })).toEqual(chain);
  });

  it('throws when a parent id is missing', () => {
    expect(() => scopeChain({ type: 'panel', id: 'x', project_id: 'p', chapter_id: 'c' })).toThrow(/scene id/);
  });
});
