/**
 * Image files for the zip export: given a project and the image ids it refers to, yields one
 * entry per image as `<sha256>.<ext>` (so identical bytes are one file) with a lazy opener.
 * Shaped like project-io's ImageFileSource; images whose file is gone are left out.
 */
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../ports/blob-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import { EXTENSIONS, formatOfMime } from './image-format.js';
import { IMAGES, type ImageDoc } from './images.schemas.js';

export interface ProjectImageFile {
  /** `<sha256>.<ext>` */
  name: string;
  /** The image id that first named this file. */
  image_id: string;
  open: () => Promise<Readable>;
}

const BATCH = 500;

export interface ImageFilesDeps {
  store: Pick<DocumentStore, 'find'>;
  blobs: Pick<BlobStore, 'open' | 'size'>;
}

export function createImageFiles({ store, blobs }: ImageFilesDeps) {
  return async function* imageFilesForProject(request: { projectId: string; imageIds: readonly string[] }): AsyncGenerator<ProjectImageFile> {
    const ids = [...new Set(request.imageIds)];
    const seen = new Set<string>();
    for (let start = 0; start < ids.length; start += BATCH) {
      const images = await store.find<ImageDoc>(IMAGES, { project_id: request.projectId, id: { $in: ids.slice(start, start + BATCH) } });
      for (const image of images) {
        if (seen.has(image.sha256) || (await blobs.size(image.sha256)) === null) continue;
        seen.add(image.sha256);
        const format = formatOfMime(image.mime_type);
        yield {
          name: `${image.sha256}.${format ? EXTENSIONS[format] : 'bin'}`,
          image_id: image.id,
          open: async () => {
            const opened = await blobs.open(image.sha256);
            if (!opened) throw new Error(`The file of image ${image.id} disappeared during the export`);
            return opened.stream;
          },
        };
      }
    }
  };
}

export type ImageFilesForProject = ReturnType<typeof createImageFiles>;
