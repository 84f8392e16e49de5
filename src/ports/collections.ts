/**
 * The collections the app stores and the secondary indexes each needs. Both the SQLite and
 * the MongoDB adapter build their tables/indexes from this one declaration.
 * An index is a list of top-level fields; `unique` indexes make duplicates a ConflictError.
 */
export interface IndexSpec {
  fields: string[];
  unique?: boolean;
  /** The one field holds an array: the index covers each element, so `$contains` on it is an index lookup. */
  array?: boolean;
}

export interface CollectionSpec {
  indexes: IndexSpec[];
}

const byOwner: IndexSpec = { fields: ['owner_id', 'created_at'] };
const byProject: IndexSpec = { fields: ['project_id', 'created_at'] };

export const COLLECTIONS = {
  users: { indexes: [{ fields: ['username_key'], unique: true }] },
  revoked_tokens: { indexes: [{ fields: ['key'], unique: true }, { fields: ['expires_at'] }] },
  projects: { indexes: [byOwner, { fields: ['owner_id', 'title'] }, { fields: ['owner_id', 'updated_at'] }] },
  chapters: { indexes: [{ fields: ['project_id', 'order'] }] },
  scenes: { indexes: [{ fields: ['chapter_id', 'order'] }, byProject, { fields: ['location_id'] }, { fields: ['character_ids'], array: true }] },
  panels: {
    indexes: [
      { fields: ['scene_id', 'order'] },
      byProject,
      { fields: ['chapter_id'] },
      { fields: ['location_id'] },
      // Project stats (counts, imageless panels, sums of the derived dialogue counts) read this index alone.
      { fields: ['project_id', 'image_id', 'bubble_count', 'word_count'] },
      // Finds panels stored before the derived fields existed (the start-up backfill).
      { fields: ['word_count'] },
      // Character appearances.
      { fields: ['character_ids'], array: true },
      { fields: ['speaker_ids'], array: true },
    ],
  },
  characters: { indexes: [byProject, { fields: ['project_id', 'name'] }] },
  locations: { indexes: [byProject, { fields: ['project_id', 'name'] }] },
  instructions: { indexes: [byProject, { fields: ['scope_id'] }] },
  images: { indexes: [byProject, byOwner, { fields: ['sha256'] }, { fields: ['panel_id'] }] },
  jobs: { indexes: [byOwner, { fields: ['status', 'created_at'] }, { fields: ['project_id'] }] },
  drafts: { indexes: [byOwner, { fields: ['owner_id', 'status', 'created_at'] }, { fields: ['project_id', 'status'] }, { fields: ['target_id'] }] },
} satisfies Record<string, CollectionSpec>;

export type CollectionName = keyof typeof COLLECTIONS;

/** Collections whose documents belong to one project (they carry `project_id` and `owner_id`); a project delete removes them. */
export const PROJECT_SCOPED_COLLECTIONS: string[] = ['chapters', 'scenes', 'panels', 'characters', 'locations', 'instructions', 'images', 'jobs', 'drafts'];
