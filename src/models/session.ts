import { Schema } from 'mongoose';
import { baseSchema } from './base';

export const sessionSchema = baseSchema(
  {
    title: { type: String, default: '' },
    summary: { type: String, default: '' },
    /** Messages created up to this time are covered by `summary` (history compression). */
    summary_until: { type: Date, default: null },
    title_generated: { type: Boolean, default: false },
    status: { type: String, default: 'active' },
    visible: { type: Boolean, default: true },
    manually_renamed_title: { type: Boolean, default: false },
    context: { attachments: { type: [String], default: [] } },
    owner_id: { type: String, required: true },
    /**
     * `<owner>:<n>`: the session is in its owner's page n of sessions, numbered in the order they were
     * created (domain/sessions/listing.ts): a listing reads its pages by key instead of sorting them all.
     */
    list_key: { type: String },
    /** When the session was created or last had a reply saved: the Sessions page lists the most recent first. */
    last_activity: { type: Date },
  },
  'sessions',
);
sessionSchema.index({ owner_id: 1, created: -1 });
sessionSchema.index({ list_key: 1 });
// The Sessions page: a user's sessions and everyone's, the most recently active first.
sessionSchema.index({ owner_id: 1, last_activity: -1 });
sessionSchema.index({ last_activity: -1 });

/** Per owner: how many sessions were numbered into pages, and how many of them a listing shows. */
export const sessionOwnerSchema = new Schema(
  {
    _id: { type: String, required: true },
    numbered: { type: Number, default: 0 },
    listed: { type: Number, default: 0 },
  },
  { collection: 'session_owners', versionKey: false },
);
