import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { newId } from '../../src/lib/ids.js';
import { assertImageFields, assertImagesInProject } from '../../src/modules/shared/image-refs.js';
import type { DocumentStore } from '../../src/ports/document-store.js';

let store: DocumentStore;
const alice = newId();
const bob = newId();
const projectA = newId();
const projectB = newId();
const ids: Record<string, string> = {};

beforeAll(async () => {
  store = openSqliteDocumentStore({ path: ':memory:' });
  const image = (owner: string, project: string) => ({ id: newId(), owner_id: owner, project_id: project, sha256: 'a'.repeat(64) });
  for (const [name, doc] of Object.entries({ mine: image(alice, projectA), mine2: image(alice, projectA), otherProject: image(alice, projectB), bobs: image(bob, projectA) })) {
    ids[name] = (await store.insert('images', doc)).id;
  }
});
afterAll(() => store.close());

const scope = { owner_id: alice, project_id: projectA };

describe('assertImagesInProject', () => {
  it('accepts images of the same owner and project, and nothing at all', async () => {
    await expect(assertImagesInProject(store, scope, [ids.mine, ids.mine2, ids.mine, null, undefined], 'design_image_ids')).resolves.toBeUndefined();
    await expect(assertImagesInProject(store, scope, [], 'image_id')).resolves.toBeUndefined();
  });

  it("is a 404 for a missing image or another user's, a 422 on the field for another project's", async () => {
    await expect(assertImagesInProject(store, scope, [ids.mine, newId()], 'image_id')).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertImagesInProject(store, scope, [ids.bobs], 'image_id')).rejects.toBeInstanceOf(NotFoundError);
    const error = await assertImagesInProject(store, scope, [ids.otherProject], 'cover_image_id').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'cover_image_id', message: expect.any(String) }]);
  });
});

describe('assertImageFields', () => {
  it('checks every image field a PUT body carries and skips the rest', async () => {
    await expect(assertImageFields(store, scope, { title: 'x', image_id: null, design_image_ids: [ids.mine], sheet_image_id: ids.mine2 })).resolves.toBeUndefined();
    await expect(assertImageFields(store, scope, { reference_image_ids: [ids.mine, ids.otherProject] })).rejects.toMatchObject({
      statusCode: 422,
      details: [{ field: 'reference_image_ids' }],
    });
    await expect(assertImageFields(store, scope, { cover_image_id: ids.bobs })).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertImageFields(store, scope, { notes: ids.bobs })).resolves.toBeUndefined();
  });
});
