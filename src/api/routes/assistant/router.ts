import Router from '@koa/router';
import type { Models } from '../../../models';
import { ForbiddenError } from '../../errors';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { Resource, Stored } from '../resource';
import { assistantToStored, ASSISTANT_SEARCH_FIELDS, presentAssistant, presentAssistantRaw } from './presenter';
import { AssistantInput } from './schema';

/** `touch` tells API instances an assistant changed (they cache the ones chats use). */
export function assistantResource(models: Models, touch: (assistantId: string) => Promise<void>) {
  return new Resource<AssistantInput>({
    what: 'assistant',
    model: models.Assistant,
    search: ASSISTANT_SEARCH_FIELDS,
    // builtin is never taken from a request: create forces false, replace keeps the stored value.
    toStored: (input, existing) => ({ ...assistantToStored(input), builtin: existing?.builtin ?? false }),
    present: presentAssistant,
    presentHit: presentAssistantRaw,
    beforeReplace(existing: Stored, next) {
      if (existing.builtin && next.name !== existing.name) {
        throw new ForbiddenError('Built-in assistant cannot be renamed');
      }
    },
    beforeDelete(existing: Stored) {
      if (existing.builtin) throw new ForbiddenError('Built-in assistant cannot be deleted');
    },
    async afterChange(before, after) {
      await touch(before?._id ?? String((after as { _id?: string } | undefined)?._id ?? ''));
    },
  });
}

export function assistantRouter(models: Models, touch: (assistantId: string) => Promise<void>) {
  const assistants = assistantResource(models, touch);
  const router = new Router<AppState, AppContextExt>({ prefix: '/assistant' });

  const clone = async (ctx: AppContext) => {
    const source = await assistants.load(ctx.params.id as string);
    const { _id: _sourceId, created: _created, updated: _updated, ...fields } = source;
    const copy = await models.Assistant.create({ ...fields, name: `${source.name}_copy`, builtin: false });
    ctx.body = { _id: copy._id, result: 'created' };
  };

  return assistants.routes(router, AssistantInput).post('/:id/_clone', clone);
}
