import { baseSchema } from './base';

/**
 * An uploaded file's record (coco-api.md §3.4); its bytes are in GridFS under the same id (infra/blob-store).
 * `text` is what extraction read (never shown by the API); `initial_parsing` is Coco's status name.
 */
export const attachmentSchema = baseSchema(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    size: { type: Number, default: 0 },
    mime_type: { type: String, default: '' },
    icon: { type: String, default: '' },
    url: { type: String, default: '' },
    /** The session it was uploaded for (`?session=` on upload, Coco's search filter), if any. */
    session: { type: String, default: '' },
    owner_id: { type: String, required: true },
    /** pending → processing → completed | failed. */
    initial_parsing: { type: String, default: 'pending' },
    /** False: a type that is stored but not read (completed, no text). */
    readable: { type: Boolean, default: null },
    text: { type: String, default: '' },
    text_chars: { type: Number, default: 0 },
    parse_error: { type: String, default: '' },
    /** How many times extraction started (a crashed worker's attempt is retried by Temporal). */
    parse_attempts: { type: Number, default: 0 },
  },
  'attachments',
);
attachmentSchema.index({ owner_id: 1, created: -1 });
