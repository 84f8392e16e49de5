/**
 * The appearance pipelines of the MongoDB story queries. FerretDB (CI) runs the two branches
 * as separate pipelines (covered by test/contracts/story-queries-mongo.test.ts); MongoDB runs
 * them as one pipeline with `$unionWith`, which FerretDB cannot run, so its shape is pinned here.
 */
import { describe, expect, it } from 'vitest';
import { appearancePanelPipelines } from '../../src/adapters/mongo/mongo-story-queries.js';

describe('appearance pipelines over panels', () => {
  const [speaking, listedOnly] = appearancePanelPipelines('p1', 'c1', false);

  it('are two disjoint index matches inside the project, each adding a constant speaks flag', () => {
    expect(speaking![0]).toEqual({ $match: { speaker_ids: { $elemMatch: { $eq: 'c1' } }, project_id: 'p1' } });
    expect(listedOnly![0]).toEqual({
      $match: { character_ids: { $elemMatch: { $eq: 'c1' } }, speaker_ids: { $not: { $elemMatch: { $eq: 'c1' } } }, project_id: 'p1' },
    });
    for (const [branch, speaks] of [[speaking!, true], [listedOnly!, false]] as const) {
      expect(branch.slice(1)).toEqual([{ $project: { chapter_id: 1, scene_id: 1, order: 1, description: 1 } }, { $set: { speaks } }]);
    }
  });

  it('on MongoDB are one pipeline: the speaking branch, then the other one through $unionWith', () => {
    expect(appearancePanelPipelines('p1', 'c1', true)).toEqual([[...speaking!, { $unionWith: { coll: 'panels', pipeline: listedOnly } }]]);
  });
});
