// loadContext: everything a turn's steps need, resolved once: the assistant with its defaults, models
// and their settings, the history (and its summary), and what retrieval may search. Small and secret-free,
// since it lands in workflow history.
import type { LoadedAssistant, ModelConfigView } from '../domain/assistants/records';
import type { HistoryEntry, Conversation, ModelRef, SearchScope, StepModel, Turn, TurnContext } from '../shared/chat';
import type { BuiltinTools, ToolsContext } from '../shared/tools';
import { parseDuration } from '../shared/chat';
import { historyEntry } from '../shared/history';
import { renderTemplate } from '../shared/template';
import { accessOf, ChatActivityDeps, permanent, ProviderAccess, usableProvider } from './support';

const DEFAULT_KEEPALIVE_MS = 30 * 60_000;
/** Per-step defaults when neither the assistant nor the provider sets a value (coco-api.md §5.1). */
const STEP_DEFAULTS = {
  answer: { temperature: 0.8, max_tokens: 1024 },
  intent: { temperature: 0.8, max_tokens: 1024 },
  picking: { max_tokens: 32768 },
};

/** A loaded context and, beside it, how to reach the answering model (a secret: never in history). */
export interface LoadedContext {
  context: TurnContext;
  access: ProviderAccess;
}

/** Builds the function that loads a turn's context (used by the loadContext and beginReply steps). */
export function createContextLoader(deps: ChatActivityDeps) {
  const { domain } = deps;

  /** Settings: the assistant's value when set (non-zero), else the provider's entry for the model, else the step default. */
  async function resolveModel(m: ModelConfigView | undefined, defaults: Record<string, unknown>): Promise<(ModelRef & { access: ProviderAccess }) | null> {
    if (!m?.provider_id || !m.name) return null;
    const provider = await usableProvider(domain, m.provider_id);
    const settings: Record<string, unknown> = { ...defaults };
    const fromProvider = (provider.models ?? []).find((x) => x.name === m.name)?.settings ?? {};
    for (const source of [fromProvider, m.settings ?? {}]) {
      for (const [k, v] of Object.entries(source)) if (v !== 0 && v !== undefined && v !== null) settings[k] = v;
    }
    return { providerId: m.provider_id, name: m.name, settings, access: accessOf(provider) };
  }

  /** A model reference as it may go into workflow history: without the provider's key. */
  function withoutAccess<T extends { access?: ProviderAccess }>(ref: T): Omit<T, 'access'> {
    const { access: _access, ...rest } = ref;
    return rest;
  }

  async function stepModel(m: ModelConfigView | undefined, fallback: ModelRef, defaults: Record<string, unknown>): Promise<StepModel> {
    const resolved = await resolveModel(m, defaults);
    const ref = resolved ? withoutAccess(resolved) : { ...fallback, settings: { ...fallback.settings, ...defaults } };
    return { ...ref, template: m?.prompt?.template ?? '' };
  }

  async function searchScope(turn: Turn, a: LoadedAssistant, deepThink: boolean): Promise<{ scope: SearchScope | null; sources: string }> {
    const ds = a.datasource;
    // The datasource list is needed to search, or to let the intent step choose among them.
    const listSources = deepThink && a.config?.pick_datasource === true;
    if (!ds?.enabled || !ds.ids?.length || (!turn.params.search && !listSources)) return { scope: null, sources: '' };
    const allowed = await domain.datasources.enabled(ds.ids);
    // The request's pick narrows the assistant's datasources; without one, the assistant's apply.
    const picked = turn.params.datasource;
    const ids = (picked ? allowed.filter((d) => picked.includes(d.id)) : allowed).map((d) => d.id);
    const sources = allowed.map((d) => `ID: ${d.id}, Name: ${d.name}, Description: ${d.description}`).join('\n');
    if (!turn.params.search || ids.length === 0) return { scope: null, sources };
    const filters = [...(ds.filter ? [ds.filter] : []), ...(turn.params.filters ?? [])];
    return { scope: { datasourceIds: ids, filters }, sources };
  }

  /**
   * Tools need mcp=true. Builtins come from tools.builtin when tools are enabled; MCP servers are the
   * request's mcp_servers among the assistant's (coco-api.md §3.2), enabled ones only.
   */
  async function toolsFor(turn: Turn, a: LoadedAssistant, answering: ModelRef): Promise<ToolsContext | null> {
    if (!turn.params.mcp) return null;
    const b = a.tools?.enabled ? (a.tools.builtin ?? {}) : {};
    const builtin: BuiltinTools = { calculator: !!b.calculator, wikipedia: !!b.wikipedia, duckduckgo: !!b.duckduckgo, scraper: !!b.scraper };
    let mcpServerIds: string[] = [];
    const assistantIds = a.mcp_servers?.enabled ? (a.mcp_servers.ids ?? []) : [];
    const asked = turn.params.mcpServers ?? [];
    if (assistantIds.length && asked.length) {
      const allowed = await domain.mcpServers.enabledIds(assistantIds);
      mcpServerIds = asked.includes('*') ? allowed : allowed.filter((id) => asked.includes(id));
    }
    if (!Object.values(builtin).some(Boolean) && mcpServerIds.length === 0) return null;
    const m = a.mcp_servers?.model;
    const resolved = await resolveModel(m ?? undefined, {});
    const model = resolved ? withoutAccess(resolved) : { ...answering, settings: { ...answering.settings, ...(m?.settings ?? {}) } };
    const max = a.mcp_servers?.max_iterations ?? 5;
    return { builtin, mcpServerIds, model, maxIterations: max <= 1 ? 5 : max };
  }

  /**
   * The last `number` messages before this turn, after what the session's summary covers: from the
   * workflow's conversation when it holds enough, else read (the newest ones, minus the summarised ones:
   * the same set as filtering in the query).
   */
  async function history(turn: Turn, number: number, conversation?: Conversation): Promise<{ history: HistoryEntry[]; summary: string; complete: boolean }> {
    if (conversation && (conversation.complete || conversation.entries.length >= number)) {
      const entries = number > 0 ? conversation.entries.slice(-number) : [];
      return { history: entries, summary: conversation.summary, complete: conversation.complete && entries.length === conversation.entries.length };
    }
    const [session, latest] = await Promise.all([
      domain.sessions.summaryOf(turn.sessionId),
      number > 0 ? domain.messages.latest(turn.sessionId, turn.userMessageId, number) : [],
    ]);
    const until = session?.until ? new Date(session.until).getTime() : -Infinity;
    const previous = latest.filter((m) => new Date(m.created).getTime() > until).reverse();
    // Fewer than asked for, or some already summarised: nothing after the summary was left out.
    const complete = number > 0 && (latest.length < number || previous.length < latest.length);
    return { summary: session?.summary ?? '', history: previous.map((m) => historyEntry(m._id, m.type, m.message)), complete };
  }

  /**
   * Everything a turn's steps need. The assistant is the version the API checked when the message was
   * sent (a cached copy at that version needs no Redis read), the history comes with the workflow's
   * conversation; the rest is read in one parallel round.
   */
  async function load(turn: Turn, conversation?: Conversation): Promise<LoadedContext> {
    const a = await domain.assistants.loadForChat(turn.assistantId, turn.assistantVersion);
    if (!a) throw permanent(`assistant [${turn.assistantId}] is not found`);
    if (!a.enabled) throw permanent(`assistant [${turn.assistantId}] is not enabled`);
    // A deep_think assistant thinks deeply unless the request turns it off (design.md §2.1).
    const deepThink = a.type === 'deep_think' && turn.params.deepThinking !== false;
    const [resolved, { scope, sources }, { history: entries, summary, complete: historyComplete }] = await Promise.all([
      resolveModel(a.answering_model, STEP_DEFAULTS.answer),
      searchScope(turn, a, deepThink),
      history(turn, a.chat_settings?.history_message?.number ?? 5, conversation),
    ]);
    if (!resolved) throw permanent(`assistant [${turn.assistantId}] has no answering model configured. Please set it up first`);
    const { access, ...model } = resolved;
    const [tools, intentModel, pickingModel] = await Promise.all([
      toolsFor(turn, a, model),
      deepThink ? stepModel(a.config?.intent_analysis_model, model, STEP_DEFAULTS.intent) : null,
      deepThink ? stepModel(a.config?.picking_doc_model, model, STEP_DEFAULTS.picking) : null,
    ]);

    const tpl = a.chat_settings?.input_preprocess_tpl ?? '';
    const raw = turn.modelQuery ?? turn.text;
    const query = tpl.trim() ? renderTemplate(tpl, { query: raw }) : raw;
    const context: TurnContext = {
      assistantId: turn.assistantId,
      query,
      rolePrompt: a.role_prompt,
      answerTemplate: a.answering_model?.prompt?.template || '{{.query}}',
      model,
      keepaliveMs: parseDuration(a.keepalive ?? '30m', DEFAULT_KEEPALIVE_MS),
      history: entries,
      historyComplete,
      summary,
      deepThink,
      search: scope,
      pickDatasource: a.config?.pick_datasource === true,
      pickTools: a.config?.pick_tools === true,
      intentModel,
      pickingModel,
      networkSources: sources,
      tools,
      compression: {
        threshold: a.chat_settings?.history_message?.compression_threshold ?? 1000,
        enabled: a.chat_settings?.history_message?.summary !== false && (a.chat_settings?.history_message?.compression_threshold ?? 1000) > 0,
      },
    };
    return { context, access };
  }

  return load;
}

export function createContextActivities(deps: ChatActivityDeps) {
  const load = createContextLoader(deps);
  return {
    async loadContext(turn: Turn): Promise<TurnContext> {
      return (await load(turn)).context;
    },
  };
}
