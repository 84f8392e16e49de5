import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, Timestamp } from '../../http/schemas.js';
import { Project } from '../projects/projects.schemas.js';
import { EXPORT_FORMAT_VERSION } from './export-format.js';

const Count = Type.Integer({ minimum: 0 });

export const ProjectStats = Type.Object(
  {
    chapters: Count,
    scenes: Count,
    panels: Count,
    characters: Count,
    locations: Count,
    instructions: Count,
    images: Count,
    dialogue_bubbles: Count,
    dialogue_words: Type.Integer({ minimum: 0, description: 'Runs of non-space characters over every bubble' }),
    panels_without_image: Count,
    pending_drafts: Count,
  },
  { title: 'ProjectStats' },
);

export const ExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('zip')], {
      default: 'json',
      description: '`json`: the export document; `zip`: project.json plus every referenced image under images/<sha256>.<ext>',
    }),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuery>;

export const DuplicateBody = Body(
  { title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Defaults to "<title> (copy)"' })) },
  'Optional; an empty body duplicates with the default title',
);
export type DuplicateBody = Static<typeof DuplicateBody>;

/** Stored documents as exported: every stored field, described loosely (their own modules define them in full). */
const StoredFields = { id: Id, owner_id: Id, project_id: Id, created_at: Timestamp, updated_at: Timestamp, version: Type.Integer({ minimum: 1 }) };
const Loose = { additionalProperties: true };

const ExportBubble = Type.Object(
  { id: Id, type: Type.String(), character_id: Nullable(Id), text: Type.String(), order: Type.Integer({ minimum: 0 }) },
  { ...Loose, title: 'ExportBubble' },
);
const ExportPanel = Type.Object(
  { ...StoredFields, chapter_id: Id, scene_id: Id, order: Type.Integer({ minimum: 0 }), dialogue: Type.Array(ExportBubble) },
  { ...Loose, title: 'ExportPanel' },
);
const ExportScene = Type.Object(
  { ...StoredFields, chapter_id: Id, order: Type.Integer({ minimum: 0 }), panels: Type.Array(ExportPanel, { description: 'In order' }) },
  { ...Loose, title: 'ExportScene' },
);
const ExportChapter = Type.Object(
  { ...StoredFields, order: Type.Integer({ minimum: 0 }), scenes: Type.Array(ExportScene, { description: 'In order' }) },
  { ...Loose, title: 'ExportChapter' },
);
const ExportDoc = (title: string) => Type.Object(StoredFields, { ...Loose, title });

export const ExportDocument = Type.Object(
  {
    format_version: Type.Literal(EXPORT_FORMAT_VERSION),
    exported_at: Timestamp,
    project: Project,
    chapters: Type.Array(ExportChapter, { description: 'In story order' }),
    characters: Type.Array(ExportDoc('ExportCharacter')),
    locations: Type.Array(ExportDoc('ExportLocation')),
    instructions: Type.Array(ExportDoc('ExportInstruction')),
    images: Type.Array(
      Type.Object({ ...StoredFields, sha256: Type.String(), mime_type: Type.String() }, { ...Loose, title: 'ExportImage' }),
      { description: 'Image records; in a zip export the file of each referenced one is images/<sha256>.<ext>' },
    ),
  },
  { title: 'ProjectExport' },
);
