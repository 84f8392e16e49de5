import { Type, type Static } from '@sinclair/typebox';
import { Body, Id, Nullable, ResourceBase, VersionField } from '../../http/schemas.js';
import type { StoredDoc } from '../../ports/document-store.js';
import type { ImageFacts } from '../../ports/image-processor.js';

export const IMAGES = 'images';

export type ImageSource = 'upload' | 'generated';

/** The stored image record; `url`/`thumbnail_url` are signed per response, never stored. */
export interface ImageDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
  panel_id: string | null;
  source: ImageSource;
  mime_type: string;
  width: number;
  height: number;
  size_bytes: number;
  sha256: string;
  metadata: ImageMetadata;
}

export type ImageMetadata = Partial<ImageFacts> & { original_name?: string | null } & Record<string, unknown>;

export const ImageMetadataSchema = Type.Object(
  {
    format: Type.Optional(Type.String({ description: 'jpeg, png or webp' })),
    color_space: Type.Optional(Type.String()),
    channels: Type.Optional(Type.Integer()),
    bit_depth: Type.Optional(Type.String()),
    has_alpha: Type.Optional(Type.Boolean()),
    has_icc_profile: Type.Optional(Type.Boolean()),
    has_exif: Type.Optional(Type.Boolean({ description: 'The stored original carries EXIF; thumbnails never do' })),
    progressive: Type.Optional(Type.Boolean()),
    orientation: Type.Optional(Nullable(Type.Integer({ description: 'EXIF orientation of the original; width/height already apply it' }))),
    density: Type.Optional(Nullable(Type.Number())),
    pages: Type.Optional(Type.Integer()),
    original_name: Type.Optional(Nullable(Type.String({ description: 'Base name the client sent (display only; never used as a path)' }))),
  },
  { additionalProperties: true, title: 'ImageMetadata' },
);

export const Image = Type.Object(
  {
    ...ResourceBase,
    owner_id: Id,
    project_id: Id,
    panel_id: Nullable(Id),
    source: Type.Union([Type.Literal('upload'), Type.Literal('generated')]),
    mime_type: Type.String({ description: 'image/jpeg, image/png or image/webp' }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    size_bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    url: Type.String({ description: 'Signed link to the bytes (works without a token until it expires, about 24 h)' }),
    thumbnail_url: Type.String({ description: 'Signed link to the WebP thumbnail (longest side 512 px)' }),
    metadata: ImageMetadataSchema,
  },
  { title: 'Image' },
);
export type Image = Static<typeof Image>;

/** Query of the byte routes: a signed link's expiry and signature (or none, with a bearer token). */
export const SignedQuery = Type.Object(
  {
    exp: Type.Optional(Type.String({ maxLength: 20, description: 'Expiry of a signed link (unix seconds)' })),
    sig: Type.Optional(Type.String({ maxLength: 128, description: 'Signature of a signed link' })),
  },
  { additionalProperties: false },
);
export type SignedQuery = Static<typeof SignedQuery>;

export const UploadForm = Type.Object(
  {
    project_id: Id,
    panel_id: Type.Optional(Id),
    file: Type.String({ format: 'binary', description: 'JPEG, PNG or WebP, up to MAX_UPLOAD_BYTES; sent after the fields' }),
  },
  { description: 'multipart/form-data: `project_id`, optional `panel_id`, then the file part `file`' },
);

export const AddImage = Body({ image_id: Id, ...VersionField }, 'An image of the same project to add');
export type AddImage = Static<typeof AddImage>;
