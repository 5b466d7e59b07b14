import Router from '@koa/router';
import type { Models } from '../../../models';
import { BadRequestError } from '../../errors';
import type { AppContextExt, AppMiddleware, AppState } from '../../context';
import { validate } from '../../middleware/validate';
import { Resource, Stored } from '../resource';
import { documentToStored, DOCUMENT_SEARCH_FIELDS, presentDocument } from './presenter';
import { DocumentInput } from './schema';

export function documentResource(models: Models) {
  return new Resource<DocumentInput>({
    what: 'document',
    model: models.Document,
    search: DOCUMENT_SEARCH_FIELDS,
    async toStored(input) {
      // A document that names its datasource must name one that exists; its source fields come from it.
      if (input.source.id) {
        const ds = (await models.Datasource.findById(input.source.id).lean()) as Stored | null;
        if (!ds) throw new BadRequestError(`source.id: datasource [${input.source.id}] does not exist`);
        input = { ...input, source: { id: ds._id, type: ds.type ?? 'connector', name: ds.name ?? '', icon: input.source.icon || ds.icon || '' } };
      }
      return documentToStored(input);
    },
    present: presentDocument,
  });
}

export function documentRouter(models: Models, auth: AppMiddleware) {
  const documents = documentResource(models);
  const router = new Router<AppState, AppContextExt>({ prefix: '/document' });
  router
    .post('/', auth, validate(DocumentInput), documents.create)
    .get('/_search', auth, documents.search)
    .post('/_search', auth, documents.search)
    .get('/:id', auth, documents.get)
    .put('/:id', auth, validate(DocumentInput), documents.update)
    .delete('/:id', auth, documents.remove);
  return router;
}
