import { Schema } from 'mongoose';

// Values the server generates once and every instance shares (the login tokens' signing secret).
export const serverSettingSchema = new Schema(
  {
    _id: { type: String, required: true },
    value: { type: String, required: true },
  },
  { collection: 'server_settings', versionKey: false, timestamps: { createdAt: 'created', updatedAt: false } },
);
