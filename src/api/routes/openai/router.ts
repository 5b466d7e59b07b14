// The OpenAI-compatible API (issue 15 item 3): GET /v1/models lists the caller's assistants as models,
// POST /v1/chat/completions answers as one of them, streamed (SSE) or not, each request a turn of a
// durable Coco session. Same token auth as every route (Authorization: Bearer or X-API-TOKEN); errors in
// OpenAI's shape.
import Router from '@koa/router';
import type { Assistants } from '../../../domain/assistants/assistants';
import type { Chat } from '../../chat';
import type { AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { admit } from '../../middleware/admission';
import { validate } from '../../middleware/validate';
import { chatCompletions } from './completions';
import { openAiErrors } from './errors';
import { listModels } from './models';
import { CompletionBody } from './schema';

export function openAiRouter(chat: Chat, assistants: Assistants) {
  const errors = openAiErrors();
  return new Router<AppState, AppContextExt>({ prefix: '/v1' })
    .get('/models', can('assistant:read'), errors, listModels(assistants))
    .post('/chat/completions', can('chat'), errors, validate(CompletionBody), admit(chat.admission), chatCompletions(chat));
}
