import { describe, expect, it } from 'vitest';
import { jobRevision, reviseRequest, revisionOf } from '../../src/modules/drafts/draft-revise.js';

const job = (type: string, params: Record<string, unknown>, kind: 'task' | 'generation' = 'task') => ({ kind, type, params, seed: 11 });
const draft = (overrides: Record<string, unknown> = {}) => ({
  id: 'd1',
  kind: 'text' as const,
  target: { type: 'scene', id: 's1' },
  variants: [{ id: 'v1', metadata: {} }],
  feedback: [
    { id: 'f1', rating: 2, comment: 'too flat', variant_id: 'v1', created_at: '' },
    { id: 'f2', rating: 5, comment: null, variant_id: null, created_at: '' },
  ],
  ...overrides,
});

describe('reviseRequest', () => {
  it('repeats the original request with the revision and the draft feedback', () => {
    const request = reviseRequest(job('scene_summary', { target: { type: 'scene', id: 's1' }, variants: 3, seed: 11 }), draft(), 'Moodier');
    expect(request).toEqual({
      kind: 'task',
      type: 'scene_summary',
      params: {
        target: { type: 'scene', id: 's1' },
        variants: 3,
        seed: 11,
        revision_of: 'd1',
        revision: { instructions: 'Moodier', feedback: [{ rating: 2, comment: 'too flat' }, { rating: 5, comment: null }] },
      },
    });
  });

  it('carries the earlier revision of a revised run forward, and never applies on its own', () => {
    const earlier = job('auto_panel', { scene_id: 's1', apply: true, revision_of: 'd0', revision: { instructions: 'Fewer panels', feedback: [{ rating: 1, comment: 'busy' }] } });
    const request = reviseRequest(earlier, draft({ feedback: [] }), 'More close-ups');
    expect(request.params).toEqual({
      scene_id: 's1',
      revision_of: 'd1',
      revision: { instructions: 'Fewer panels\nThen: More close-ups', feedback: [{ rating: 1, comment: 'busy' }] },
    });
  });

  it('draws one panel again for an image draft of a multi-panel job', () => {
    const sequence = job('panel_sequence', { scene_id: 's1', n: 1, seed: 11 }, 'generation');
    const request = reviseRequest(sequence, draft({ kind: 'image', target: { type: 'panel', id: 'p2' }, variants: [{}, {}, {}], feedback: [] }), 'Darker');
    expect(request).toEqual({ kind: 'generation', type: 'panel_image', params: { panel_id: 'p2', n: 3, seed: 11, revision_of: 'd1', revision: { instructions: 'Darker', feedback: [] } } });
    const single = reviseRequest(job('panel_image', { panel_id: 'p2', n: 2, seed: 11 }, 'generation'), draft({ kind: 'image', target: { type: 'panel', id: 'p2' } }), 'x');
    expect(single.type).toBe('panel_image');
    expect(single.params).toMatchObject({ panel_id: 'p2', n: 2 });
  });

  it('keeps the combined instructions within 4000 characters (the newest survive)', () => {
    const long = job('scene_summary', { revision: { instructions: 'a'.repeat(3990), feedback: [] } });
    const { revision } = reviseRequest(long, draft({ feedback: [] }), 'newest').params as { revision: { instructions: string } };
    expect(revision.instructions).toHaveLength(4000);
    expect(revision.instructions.endsWith('Then: newest')).toBe(true);
  });
});

describe('reading a revise run off its job', () => {
  it('jobRevision and revisionOf read well-formed params and ignore anything else', () => {
    expect(jobRevision({ params: { revision: { instructions: 'x', feedback: [{ rating: 3, comment: 'ok' }, { rating: 'bad' }, 'junk'] } } })).toEqual({
      instructions: 'x',
      feedback: [{ rating: 3, comment: 'ok' }],
    });
    expect(jobRevision({ params: {} })).toBeUndefined();
    expect(jobRevision({ params: { revision: 'x' } })).toBeUndefined();
    expect(revisionOf({ params: { revision_of: 'd1' } })).toBe('d1');
    expect(revisionOf({ params: { revision_of: 5 } })).toBeNull();
  });
});
