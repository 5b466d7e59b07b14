// GET /v1/models: the assistants the caller can chat with, as OpenAI models (id = assistant id): the
// enabled ones; a widget token's, only those of its integration (as GET /assistant/_search scopes them).
import type { Assistants } from '../../../domain/assistants/assistants';
import type { User } from '../../../domain/users';
import type { AppContext } from '../../context';

const MAX_MODELS = 1000;

const unixSeconds = (d: unknown) => {
  const ms = d instanceof Date ? d.getTime() : typeof d === 'string' ? Date.parse(d) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
};

export function listModels(assistants: Assistants) {
  return async (ctx: AppContext) => {
    const only = (ctx.state.user as User).integration?.assistants;
    const scope = { bool: { must_not: [{ term: { enabled: false } }], ...(only && { filter: [{ terms: { _id: only } }] }) } };
    const res = await assistants.store.search({ clauses: [scope], from: 0, size: MAX_MODELS, defaultSort: { created: 1 } });
    ctx.body = {
      object: 'list',
      data: res.hits.hits.map((h) => ({ id: h._id, object: 'model', created: unixSeconds((h._source as { created?: unknown }).created), owned_by: 'coco' })),
    };
  };
}
