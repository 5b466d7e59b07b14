import Router from '@koa/router';
import type { Assistants } from '../../../domain/assistants/assistants';
import { AssistantInput } from '../../../domain/assistants/schema';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function assistantRouter(assistants: Assistants) {
  const clone = async (ctx: AppContext) => {
    const copy = await assistants.clone(ctx.params.id as string);
    ctx.body = { _id: copy._id, result: 'created' };
  };

  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/assistant' }), assistants.store, AssistantInput).post('/:id/_clone', clone);
}
