/**
 * The export document, written as a sequence of text chunks so a reply can stream it:
 * the whole tree is never stringified into one string.
 *
 * `{ format_version, exported_at, project, chapters: [{...chapter, scenes: [{...scene, panels}]}],
 *    characters, locations, instructions, images }` (images: the records; a zip export adds
 *    their files as images/<sha256>.<ext>)
 */
import { withoutDerived } from '../panels/panel-derived.js';
import type { ProjectTree } from './project-tree.js';

export const EXPORT_FORMAT_VERSION = 1;

/** Chunks are gathered up to about this many characters, so a big project is not thousands of tiny writes. */
const CHUNK_SIZE = 64 * 1024;

/**
 * `{"a":1,"b":2}` -> `{"a":1,"b":2,` so a nested field can follow; `{}` -> `{`. Callers set the
 * nested key to undefined (JSON.stringify drops it) so a stray stored field cannot duplicate it.
 */
function openObject(fields: Record<string, unknown>): string {
  const json = JSON.stringify(fields);
  return json === '{}' ? '{' : `${json.slice(0, -1)},`;
}

function* exportPieces(tree: ProjectTree, exportedAt: string): Generator<string> {
  yield `{"format_version":${EXPORT_FORMAT_VERSION},"exported_at":${JSON.stringify(exportedAt)}`;
  yield `,"project":${JSON.stringify(tree.project)},"chapters":[`;
  for (const [c, { chapter, scenes }] of tree.chapters.entries()) {
    yield `${c === 0 ? '' : ','}${openObject({ ...chapter, scenes: undefined })}"scenes":[`;
    for (const [s, { scene, panels }] of scenes.entries()) {
      yield `${s === 0 ? '' : ','}${openObject({ ...scene, panels: undefined })}"panels":[`;
      // The derived dialogue fields are internal (not in the API's Panel); a reader recomputes them.
      for (const [p, panel] of panels.entries()) yield `${p === 0 ? '' : ','}${JSON.stringify(withoutDerived(panel))}`;
      yield ']}';
    }
    yield ']}';
  }
  yield ']';
  for (const name of ['characters', 'locations', 'instructions', 'images'] as const) {
    yield `,"${name}":[`;
    for (const [i, doc] of tree[name].entries()) yield `${i === 0 ? '' : ','}${JSON.stringify(doc)}`;
    yield ']';
  }
  yield '}';
}

/** The export document as text chunks of about CHUNK_SIZE characters. */
export function* exportJsonChunks(tree: ProjectTree, exportedAt: string): Generator<string> {
  let buffer = '';
  for (const piece of exportPieces(tree, exportedAt)) {
    buffer += piece;
    if (buffer.length >= CHUNK_SIZE) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** A file-name-safe ASCII slug of a title ("Café Noir: Part 2" -> "cafe-noir-part-2"). */
export function slugify(title: string, fallback = 'project'): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug === '' ? fallback : slug;
}
