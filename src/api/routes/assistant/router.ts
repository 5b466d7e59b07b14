import Router from '@koa/router';
import type { Assistants } from '../../../domain/assistants/assistants';
import { AssistantInput } from '../../../domain/assistants/schema';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { resourceRoutes } from '../resource';

export function assistantRouter(assistants: Assistants) {
  const clone = async (ctx: AppContext) => {
    const copy = await assistants.clone(ctx.params.id as string);
    ctx.body = { _id: copy._id, result: 'created' };
  };

  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/assistant' }), assistants.store, AssistantInput, {
    read: 'assistant:read',
    write: 'assistant:write',
    // Users see the assistants they can chat with: the enabled ones (a widget: those of its integration).
    scope: (user) => {
      const only = user.integration?.assistants;
      return {
        clause: { bool: { must_not: [{ term: { enabled: false } }], ...(only && { filter: [{ terms: { _id: only } }] }) } },
        visible: (doc) => doc.enabled !== false && (!only || only.includes(doc._id)),
      };
    },
  }).post('/:id/_clone', can('assistant:write'), clone);
}
