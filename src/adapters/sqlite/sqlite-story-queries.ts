/**
 * StoryQueries on the SQLite store's connection: one SQL query per collection, already in
 * story order. Matches start from an index (the array side tables of array-index.ts for
 * character_ids / speaker_ids, the location_id expression index for usage), and each row
 * finds its chapter and scene by primary key for their orders; CROSS JOIN pins that join
 * order, so SQLite never walks a whole project instead. Only the listed fields are extracted.
 */
import type Database from 'better-sqlite3';
import type { DocumentStore } from '../../ports/document-store.js';
import type { PanelAppearance, PanelEntry, SceneEntry, StoryQueries } from '../../ports/story-queries.js';
import { arrayTableName } from './array-index.js';
import { sqliteReaderOf } from './sqlite-document-store.js';

const field = (alias: string, name: string) => `json_extract(${alias}.data, '$.${name}')`;
const text = (alias: string, name: string) => `ifnull(${field(alias, name)}, '')`;
/** `type = 'text'`: string elements only, as `$contains` with a string compares (filter-sql.ts). */
const elementsEqual = (table: string, distinct = '') => `SELECT ${distinct}id FROM "${table}" WHERE type = 'text' AND value = @id`;

const SCENE_COLUMNS = `s.id, ${field('s', 'chapter_id')} AS chapter_id, ${field('s', 'order')} AS "order", ${text('s', 'title')} AS title, ${text('s', 'description')} AS description`;
const PANEL_COLUMNS = `p.id, ${field('p', 'chapter_id')} AS chapter_id, ${field('p', 'scene_id')} AS scene_id, ${field('p', 'order')} AS "order", ${text('p', 'description')} AS description`;
// A missing chapter or scene sorts last, as in lib/story-order.ts; ids break ties.
const CHAPTER_OF = (alias: string) => `LEFT JOIN chapters AS c ON c.id = ${field(alias, 'chapter_id')}`;
const SCENE_ORDER = `ORDER BY c.id IS NULL, ${field('c', 'order')}, ${field('s', 'order')}, s.id`;
const PANEL_ORDER = `ORDER BY c.id IS NULL, ${field('c', 'order')}, s.id IS NULL, ${field('s', 'order')}, ${field('p', 'order')}, p.id`;
const IN_PROJECT = (alias: string) => `${field(alias, 'project_id')} = @project`;
const AT_LOCATION = (alias: string) => `${field(alias, 'location_id')} = @id AND json_type(${alias}.data, '$.location_id') = 'text'`;

export const STORY_SQL = {
  appearanceScenes:
    `SELECT ${SCENE_COLUMNS} FROM (${elementsEqual(arrayTableName('scenes', 'character_ids'), 'DISTINCT ')}) AS hit ` +
    `CROSS JOIN scenes AS s ON s.id = hit.id ${CHAPTER_OF('s')} WHERE ${IN_PROJECT('s')} ${SCENE_ORDER}`,
  appearancePanels:
    `SELECT ${PANEL_COLUMNS}, EXISTS (${elementsEqual(arrayTableName('panels', 'speaker_ids'))} AND id = p.id) AS speaks ` +
    `FROM (${elementsEqual(arrayTableName('panels', 'character_ids'))} UNION ${elementsEqual(arrayTableName('panels', 'speaker_ids'))}) AS hit ` +
    `CROSS JOIN panels AS p ON p.id = hit.id LEFT JOIN scenes AS s ON s.id = ${field('p', 'scene_id')} ${CHAPTER_OF('p')} ` +
    `WHERE ${IN_PROJECT('p')} ${PANEL_ORDER}`,
  usageScenes: `SELECT ${SCENE_COLUMNS} FROM scenes AS s ${CHAPTER_OF('s')} WHERE ${AT_LOCATION('s')} AND ${IN_PROJECT('s')} ${SCENE_ORDER}`,
  usagePanels:
    `SELECT ${PANEL_COLUMNS} FROM panels AS p LEFT JOIN scenes AS s ON s.id = ${field('p', 'scene_id')} ${CHAPTER_OF('p')} ` +
    `WHERE ${AT_LOCATION('p')} AND ${IN_PROJECT('p')} ${PANEL_ORDER}`,
} as const;

type Query = keyof typeof STORY_SQL;

/** Answers on the connection of `store` (an SQLite store from openSqliteDocumentStore), queued like the store's own reads. */
export function createSqliteStoryQueries(store: DocumentStore): StoryQueries {
  const reader = sqliteReaderOf(store);
  if (!reader) throw new Error('createSqliteStoryQueries needs a store opened by openSqliteDocumentStore');
  const statements = new Map<Query, Database.Statement>();
  const all = <T>(query: Query, params: { id: string; project: string }) => {
    let statement = statements.get(query);
    if (!statement) statements.set(query, (statement = reader.db.prepare(STORY_SQL[query])));
    return statement.all(params) as T[];
  };

  return {
    appearances: (projectId, characterId) =>
      reader.read(() => {
        const params = { id: characterId, project: projectId };
        const panels = all<PanelEntry & { speaks: number }>('appearancePanels', params);
        return {
          scenes: all<SceneEntry>('appearanceScenes', params),
          panels: panels.map((panel): PanelAppearance => ({ ...panel, speaks: panel.speaks === 1 })),
        };
      }),
    usage: (projectId, locationId) =>
      reader.read(() => {
        const params = { id: locationId, project: projectId };
        return { scenes: all<SceneEntry>('usageScenes', params), panels: all<PanelEntry>('usagePanels', params) };
      }),
  };
}
