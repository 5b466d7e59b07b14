import Router from '@koa/router';
import type { Models } from '../../../models';
import type { AppContext, AppContextExt, AppMiddleware, AppState } from '../../context';
import { validate } from '../../middleware/validate';
import { Resource, Stored } from '../resource';
import { documentResource } from '../document/router';
import { DocumentInput } from '../document/schema';
import { datasourceToStored, DATASOURCE_SEARCH_FIELDS, presentDatasource } from './presenter';
import { DatasourceInput } from './schema';

export function datasourceRouter(models: Models, auth: AppMiddleware) {
  const datasources = new Resource<DatasourceInput>({
    what: 'datasource',
    model: models.Datasource,
    search: DATASOURCE_SEARCH_FIELDS,
    toStored: datasourceToStored,
    present: presentDatasource,
    async afterDelete(existing) {
      await models.Document.deleteMany({ 'source.id': existing._id });
    },
  });
  const documents = documentResource(models);

  /** Indexes a document into the datasource: the source is stamped from it; an existing doc_id is replaced. */
  const indexDocument = async (ctx: AppContext) => {
    const ds = await datasources.load(ctx.params.id as string);
    const input = ctx.state.input as DocumentInput;
    const stamped: DocumentInput = { ...input, source: { id: ds._id, type: ds.type ?? 'connector', name: ds.name ?? '', icon: ds.icon ?? '' } };
    const docId = ctx.params.doc_id;
    if (docId) {
      const existing = (await models.Document.findById(docId).lean()) as Stored | null;
      if (existing) {
        await documents.replace(existing, stamped);
        ctx.body = { _id: docId, result: 'updated' };
        return;
      }
    }
    const created = await documents.insert(stamped, docId);
    ctx.body = { _id: created._id, result: 'created' };
  };

  const router = new Router<AppState, AppContextExt>({ prefix: '/datasource' });
  router
    .post('/', auth, validate(DatasourceInput), datasources.create)
    .get('/_search', auth, datasources.search)
    .post('/_search', auth, datasources.search)
    .get('/:id', auth, datasources.get)
    .put('/:id', auth, validate(DatasourceInput), datasources.update)
    .delete('/:id', auth, datasources.remove)
    .post('/:id/_doc', auth, validate(DocumentInput), indexDocument)
    .post('/:id/_doc/:doc_id', auth, validate(DocumentInput), indexDocument);
  return router;
}

