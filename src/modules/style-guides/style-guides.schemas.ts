import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Timestamp, VersionField } from '../../http/schemas.js';
import { StyleGuidePatch, styleGuideFields } from '../projects/projects.schemas.js';

/** The style guide plus the project's id and version (send that version back in a PUT for a 409 on stale edits). */
export const StyleGuideResource = Type.Object(
  {
    project_id: Id,
    version: Type.Integer({ minimum: 1, description: "The project's version" }),
    updated_at: Timestamp,
    ...styleGuideFields,
  },
  { title: 'StyleGuide' },
);
export type StyleGuideResource = Static<typeof StyleGuideResource>;

export const StyleGuideUpdate = Body(
  { ...StyleGuidePatch.properties, ...VersionField },
  'Partial update: only the fields sent change. `version` is the project version.',
);
export type StyleGuideUpdate = Static<typeof StyleGuideUpdate>;
