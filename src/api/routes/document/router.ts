import Router from '@koa/router';
import type { Models } from '../../../models';
import { BadRequestError } from '../../errors';
import type { AppContextExt, AppState } from '../../context';
import { Resource, Stored } from '../resource';
import { documentToStored, DOCUMENT_SEARCH_FIELDS, presentDocument } from './presenter';
import { DocumentInput } from './schema';

/** Called with a datasource id whenever one of its documents changes (workers rebuild their index). */
export type TouchDatasource = (datasourceId: string) => Promise<void>;

export function documentResource(models: Models, touch: TouchDatasource) {
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
    async afterChange(before, after) {
      const ids = new Set([before?.source?.id, (after?.source as { id?: string } | undefined)?.id].filter(Boolean) as string[]);
      for (const id of ids) await touch(id);
    },
  });
}

export function documentRouter(models: Models, touch: TouchDatasource) {
  const documents = documentResource(models, touch);
  return documents.routes(new Router<AppState, AppContextExt>({ prefix: '/document' }), DocumentInput);
}
