/**
 * Removes every reference to an image from the documents of its project: panel `image_id`,
 * chapter `cover_image_id`, character `design_image_ids` / `sheet_image_id` /
 * `reference_image_ids`, location `reference_image_ids` and the project's style-guide
 * `reference_image_ids`. Call inside the transaction that deletes the image.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { ContentChange } from '../shared/events.js';
import type { ImageDoc } from './images.schemas.js';

type Tx = Pick<DocumentStore, 'find' | 'get' | 'update'>;

interface ProjectDoc extends StoredDoc {
  owner_id: string;
  style_guide?: { reference_image_ids?: string[] } & Record<string, unknown>;
}

interface ScopedDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
  scene_id?: string;
}

/** A committed change to announce once the transaction is over. */
export interface DetachedChange {
  doc: { project_id: string; owner_id: string };
  change: ContentChange;
}

const without = (ids: unknown, imageId: string) => (Array.isArray(ids) ? ids.filter((id) => id !== imageId) : []);
const holds = (ids: unknown, imageId: string) => Array.isArray(ids) && ids.includes(imageId);

/** Single-valued fields are cleared, list fields lose the id; one update per document. */
async function detachFrom(tx: Tx, collection: string, image: ImageDoc, single: string[], lists: string[]): Promise<ScopedDoc[]> {
  const matches = new Map<string, ScopedDoc>();
  for (const field of single) for (const doc of await tx.find<ScopedDoc>(collection, { project_id: image.project_id, [field]: image.id })) matches.set(doc.id, doc);
  for (const field of lists) {
    for (const doc of await tx.find<ScopedDoc>(collection, { project_id: image.project_id, [field]: { $contains: image.id } })) matches.set(doc.id, doc);
  }
  const changed: ScopedDoc[] = [];
  for (const doc of matches.values()) {
    const fields = doc as unknown as Record<string, unknown>;
    const patch: Record<string, unknown> = {};
    for (const field of single) if (fields[field] === image.id) patch[field] = null;
    for (const field of lists) if (holds(fields[field], image.id)) patch[field] = without(fields[field], image.id);
    const updated = await tx.update<ScopedDoc>(collection, doc.id, patch as Partial<ScopedDoc>);
    if (updated) changed.push(updated);
  }
  return changed;
}

const TARGETS = [
  { collection: 'panels', resource: 'panel', single: ['image_id'], lists: [] as string[] },
  { collection: 'chapters', resource: 'chapter', single: ['cover_image_id'], lists: [] as string[] },
  { collection: 'characters', resource: 'character', single: ['sheet_image_id'], lists: ['design_image_ids', 'reference_image_ids'] },
  { collection: 'locations', resource: 'location', single: [] as string[], lists: ['reference_image_ids'] },
];

export async function detachImage(tx: Tx, image: ImageDoc): Promise<DetachedChange[]> {
  const changes: DetachedChange[] = [];
  for (const target of TARGETS) {
    for (const doc of await detachFrom(tx, target.collection, image, target.single, target.lists)) {
      const parent = target.resource === 'panel' && doc.scene_id ? { type: 'scene', id: doc.scene_id } : { type: 'project', id: doc.project_id };
      changes.push({ doc, change: { resource: target.resource, id: doc.id, action: 'updated', version: doc.version, parent } });
    }
  }
  const project = await tx.get<ProjectDoc>('projects', image.project_id);
  if (project?.style_guide && holds(project.style_guide.reference_image_ids, image.id)) {
    const style_guide = { ...project.style_guide, reference_image_ids: without(project.style_guide.reference_image_ids, image.id) };
    const updated = await tx.update<ProjectDoc>('projects', project.id, { style_guide });
    if (updated) {
      changes.push({ doc: { project_id: updated.id, owner_id: updated.owner_id }, change: { resource: 'project', id: updated.id, action: 'updated', version: updated.version } });
    }
  }
  return changes;
}
