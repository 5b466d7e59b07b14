import Router from '@koa/router';
import type { Datasources } from '../../../domain/datasources/datasources';
import { DatasourceInput } from '../../../domain/datasources/schema';
import { DocumentInput } from '../../../domain/documents/schema';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { validate } from '../../middleware/validate';
import { resourceRoutes } from '../resource';

export function datasourceRouter(datasources: Datasources) {
  /** Indexes a document into the datasource (replacing the one with that doc_id, if any). */
  const indexDocument = async (ctx: AppContext) => {
    const { id, result } = await datasources.indexDocument(ctx.params.id as string, ctx.state.input as DocumentInput, ctx.params.doc_id);
    ctx.body = { _id: id, result };
  };

  const write = can('document:write');
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/datasource' }), datasources.store, DatasourceInput, {
    read: 'datasource:read',
    write: 'datasource:write',
    // The connector's settings may hold credentials: only its kind is shown.
    scope: () => ({ view: (doc) => ({ ...doc, connector: { id: (doc.connector as { id?: string } | undefined)?.id ?? '' } }) }),
  })
    .post('/:id/_doc', write, validate(DocumentInput), indexDocument)
    .post('/:id/_doc/:doc_id', write, validate(DocumentInput), indexDocument);
}
