import type { Connection, Model } from 'mongoose';
import { apiTokenSchema } from './api-token';
import { attachmentSchema } from './attachment';
import { assistantSchema } from './assistant';
import { chatMessageSchema } from './chat-message';
import { datasourceSchema } from './datasource';
import { documentSchema } from './document';
import { integrationSchema } from './integration';
import { mcpServerSchema } from './mcp-server';
import { modelProviderSchema } from './model-provider';
import { serverSettingSchema } from './server-setting';
import { sessionOwnerSchema, sessionSchema } from './session';
import { userSchema } from './user';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are read lean and shaped by presenters */
export interface Models {
  Assistant: Model<any, any, any, any, any, any>;
  ModelProvider: Model<any, any, any, any, any, any>;
  Datasource: Model<any, any, any, any, any, any>;
  Document: Model<any, any, any, any, any, any>;
  McpServer: Model<any, any, any, any, any, any>;
  ApiToken: Model<any, any, any, any, any, any>;
  Session: Model<any, any, any, any, any, any>;
  SessionOwner: Model<any, any, any, any, any, any>;
  ChatMessage: Model<any, any, any, any, any, any>;
  User: Model<any, any, any, any, any, any>;
  ServerSetting: Model<any, any, any, any, any, any>;
  Integration: Model<any, any, any, any, any, any>;
  Attachment: Model<any, any, any, any, any, any>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type AnyModel = Models['Assistant'];

export function bindModels(conn: Connection): Models {
  return {
    Assistant: conn.model('Assistant', assistantSchema),
    ModelProvider: conn.model('ModelProvider', modelProviderSchema),
    Datasource: conn.model('Datasource', datasourceSchema),
    Document: conn.model('Document', documentSchema),
    McpServer: conn.model('McpServer', mcpServerSchema),
    ApiToken: conn.model('ApiToken', apiTokenSchema),
    Session: conn.model('Session', sessionSchema),
    SessionOwner: conn.model('SessionOwner', sessionOwnerSchema),
    ChatMessage: conn.model('ChatMessage', chatMessageSchema),
    User: conn.model('User', userSchema),
    ServerSetting: conn.model('ServerSetting', serverSettingSchema),
    Integration: conn.model('Integration', integrationSchema),
    Attachment: conn.model('Attachment', attachmentSchema),
  };
}
