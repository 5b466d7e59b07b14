import Router from '@koa/router';
import type { Documents } from '../../../domain/documents/documents';
import { DocumentInput } from '../../../domain/documents/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function documentRouter(documents: Documents) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/document' }), documents.store, DocumentInput, { read: 'document:read', write: 'document:write' });
}
