import { Readable } from 'node:stream';
import type { DocumentStore } from '../../ports/document-store.js';
import { nowIso } from '../../lib/time.js';
import { loadOwned } from '../shared/access.js';
import type { Project } from '../projects/projects.schemas.js';
import { exportJsonChunks, slugify } from './export-format.js';
import { loadProjectTree, referencedImageIds, type ProjectTree } from './project-tree.js';
import { zipStream, type ZipEntry } from './zip-stream.js';

export type ExportFormat = 'json' | 'zip';

export interface ImageFile {
  /** File name inside `images/`: `<sha256>.<ext>`. */
  name: string;
  /** Opened only when the zip reaches the file. */
  open: () => Readable | Promise<Readable>;
}

/**
 * Where the zip export finds image files: given the ids the project refers to, yields the
 * stored files. Plugged in by the composition root once images exist.
 */
export type ImageFileSource = (request: { projectId: string; imageIds: string[] }) => AsyncIterable<ImageFile>;

export interface ProjectExportDeps {
  store: Pick<DocumentStore, 'get' | 'find'>;
  imageFiles?: ImageFileSource;
}

export interface ExportFile {
  filename: string;
  contentType: string;
  stream: Readable;
}

export function createProjectExportService(deps: ProjectExportDeps) {
  const { store, imageFiles } = deps;

  const jsonStream = (tree: ProjectTree) => Readable.from(exportJsonChunks(tree, nowIso()), { objectMode: false });

  async function* zipEntries(tree: ProjectTree): AsyncGenerator<ZipEntry> {
    yield { name: 'project.json', open: () => jsonStream(tree) };
    if (!imageFiles) return;
    const imageIds = referencedImageIds(tree);
    if (imageIds.length === 0) return;
    // Content-addressed names: two ids with the same bytes are one file.
    const seen = new Set<string>();
    for await (const file of imageFiles({ projectId: tree.project.id, imageIds })) {
      if (seen.has(file.name)) continue;
      seen.add(file.name);
      yield { name: `images/${file.name}`, open: file.open, compress: false };
    }
  }

  return {
    /**
     * Loads the project tree (404 for someone else's project) and returns the export as a
     * stream; nothing is sent before the tree is loaded, so errors still get a proper reply.
     */
    async export(userId: string, projectId: string, format: ExportFormat): Promise<ExportFile> {
      const project = await loadOwned<Project>(store, 'projects', projectId, userId, 'Project');
      const tree = await loadProjectTree(store, project);
      const slug = slugify(project.title);
      if (format === 'zip') return { filename: `${slug}.zip`, contentType: 'application/zip', stream: zipStream(zipEntries(tree)) };
      return { filename: `${slug}.json`, contentType: 'application/json; charset=utf-8', stream: jsonStream(tree) };
    },
  };
}

export type ProjectExportService = ReturnType<typeof createProjectExportService>;
