import Router from '@koa/router';
import type { Models } from '../../../models';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { validate } from '../../middleware/validate';
import { Resource, Stored } from '../resource';
import { documentResource, TouchDatasource } from '../document/router';
import { DocumentInput } from '../document/schema';
import { datasourceToStored, DATASOURCE_SEARCH_FIELDS, presentDatasource } from './presenter';
import { DatasourceInput } from './schema';

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

export function datasourceRouter(models: Models, touch: TouchDatasource) {
  const datasources = new Resource<DatasourceInput>({
    what: 'datasource',
    model: models.Datasource,
    search: DATASOURCE_SEARCH_FIELDS,
    toStored: datasourceToStored,
    present: presentDatasource,
    async afterDelete(existing) {
      await models.Document.deleteMany({ 'source.id': existing._id });
    },
    async afterChange(before, after) {
      await touch(before?._id ?? String((after as { _id?: string })?._id ?? ''));
    },
  });
  const documents = documentResource(models, touch);

  /** Indexes a document into the datasource: the source is stamped from it; an existing doc_id is replaced. */
  const indexDocument = async (ctx: AppContext) => {
    const ds = await datasources.load(ctx.params.id as string);
    const input = ctx.state.input as DocumentInput;
    const stamped: DocumentInput = { ...input, source: { id: ds._id, type: ds.type ?? 'connector', name: ds.name ?? '', icon: ds.icon ?? '' } };
    const docId = ctx.params.doc_id;
    const replaceExisting = async (id: string): Promise<boolean> => {
      const existing = (await models.Document.findById(id).lean()) as Stored | null;
      if (!existing) return false;
      await documents.replace(existing, stamped);
      ctx.body = { _id: id, result: 'updated' };
      return true;
    };
    if (docId && (await replaceExisting(docId))) return;
    try {
      const created = await documents.insert(stamped, docId);
      ctx.body = { _id: created._id, result: 'created' };
    } catch (err) {
      // A concurrent request created the same doc_id between our lookup and insert: this one replaces it.
      if (docId && isDuplicateKey(err) && (await replaceExisting(docId))) return;
      throw err;
    }
  };

  const router = new Router<AppState, AppContextExt>({ prefix: '/datasource' });
  return datasources
    .routes(router, DatasourceInput)
    .post('/:id/_doc', validate(DocumentInput), indexDocument)
    .post('/:id/_doc/:doc_id', validate(DocumentInput), indexDocument);
}

