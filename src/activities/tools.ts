// The tool loop's steps, each its own activity (coco-api.md §5.4 step 4): list the turn's tools, one
// model step with native function calling, one tool call. A failing MCP server is skipped and reported;
// a tool call that fails answers the model with the error; neither sinks the reply.
import OpenAI from 'openai';
import { builtinTools, runBuiltin } from '../tools/builtin';
import { ToolError } from '../tools/types';
import type { Turn, TurnContext } from '../shared/chat';
import type { ToolCallRecord, ToolCallRequest, ToolMessage, ToolSpec } from '../shared/tools';
import { metrics } from '../infra/metrics';
import { clientFor, isAbort, withModelSpan } from './llm';
import { ChatActivityDeps, openPublisher, providerAccess, stepError, withHeartbeat } from './support';

function safeName(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

function toOpenAiMessage(m: ToolMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  if (m.role !== 'assistant') return m;
  const calls = m.tool_calls?.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  return { role: 'assistant', content: m.content, ...(calls?.length && { tool_calls: calls }) };
}

/** The tool label of coco_tool_calls_total: a builtin's name, else `mcp` (server-defined names are unbounded). */
const BUILTIN_NAMES = new Set(['calculator', 'wikipedia', 'duckduckgo', 'scraper']);
const toolLabel = (spec: ToolSpec) => (spec.kind === 'builtin' ? (BUILTIN_NAMES.has(spec.toolName) ? spec.toolName : 'unknown') : 'mcp');

const limit = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n[... cut at ${max} characters]` : text);

export function createToolActivities(deps: ChatActivityDeps) {
  const { pool, config } = deps.tools;

  return {
    async listTools(turn: Turn, ctx: TurnContext): Promise<ToolSpec[]> {
      const t = ctx.tools;
      if (!t) return [];
      const specs: ToolSpec[] = builtinTools(t.builtin).map((b) => ({ ...b, kind: 'builtin' as const, toolName: b.name }));
      const { publisher } = await openPublisher(deps, turn);
      for (const id of t.mcpServerIds) {
        const server = await deps.domain.mcpServers.connection(id);
        if (!server) continue;
        try {
          const tools = await withHeartbeat(() => pool.listTools(server));
          for (const tool of tools) {
            const name = safeName(`${server.name}_${tool.name}`);
            if (specs.some((s) => s.name === name)) continue;
            specs.push({ name, description: tool.description, parameters: tool.inputSchema, kind: 'mcp', serverId: server.id, toolName: tool.name });
          }
        } catch (err) {
          deps.logger.warn({ server: server.id, err: (err as Error).message }, 'MCP server skipped');
          await publisher.send('tools', `⚠️ MCP server ${server.name} is unavailable and was skipped: ${(err as Error).message}\n`);
        }
      }
      return specs;
    },

    /** One model step: its text (streamed as `tools` chunks) and the tool calls it asks for. */
    async toolModelStep(turn: Turn, ctx: TurnContext, messages: ToolMessage[], specs: ToolSpec[]): Promise<{ content: string; calls: ToolCallRequest[] }> {
      const model = ctx.tools?.model ?? ctx.model;
      const access = await providerAccess(deps.domain, model.providerId);
      const client = clientFor(access.baseUrl, access.apiKey);
      try {
        const res = await withHeartbeat(() => withModelSpan(model.name, access.baseUrl, () =>
          client.chat.completions.create({
            model: model.name,
            messages: messages.map(toOpenAiMessage),
            tools: specs.map((s) => ({ type: 'function' as const, function: { name: s.name, description: s.description, parameters: s.parameters } })),
            ...(typeof model.settings.temperature === 'number' && { temperature: model.settings.temperature }),
          })),
        );
        const msg = res.choices[0]?.message;
        const calls = (msg?.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments || '{}' }] : []));
        const content = msg?.content ?? '';
        if (content && calls.length) {
          const { publisher } = await openPublisher(deps, turn);
          await publisher.send('tools', `${content}\n`);
        }
        return { content, calls };
      } catch (err) {
        throw stepError(err);
      }
    },

    /** Runs one tool call; `_cancel` stops it. The call and its result stream as a `tools` chunk. */
    async callTool(turn: Turn, spec: ToolSpec, call: ToolCallRequest): Promise<ToolCallRecord> {
      const abort = new AbortController();
      let cancelled = false;
      const stop = await deps.cancels.watch(turn.replyId, () => {
        cancelled = true;
        abort.abort();
      });
      let record: ToolCallRecord;
      try {
        let args: Record<string, unknown>;
        try {
          args = JSON.parse(call.arguments || '{}') as Record<string, unknown>;
        } catch {
          throw new ToolError(`the arguments are not valid JSON: ${call.arguments.slice(0, 200)}`);
        }
        const result = await withHeartbeat(async () => {
          if (spec.kind === 'builtin') return runBuiltin(spec.toolName, args, config, abort.signal);
          const server = await deps.domain.mcpServers.connection(spec.serverId ?? '');
          if (!server) throw new ToolError(`MCP server ${spec.serverId} is gone or disabled`);
          return pool.callTool(server, spec.toolName, args, abort.signal);
        });
        record = { name: spec.name, arguments: call.arguments, result: limit(result, config.maxResultChars) };
      } catch (err) {
        record = cancelled || isAbort(err)
          ? { name: spec.name, arguments: call.arguments, result: 'cancelled', cancelled: true }
          : { name: spec.name, arguments: call.arguments, result: `Error: ${(err as Error).message}`, error: true };
      } finally {
        stop();
      }
      metrics.toolCalls.inc({ tool: toolLabel(spec), outcome: record.cancelled ? 'cancelled' : record.error ? 'error' : 'ok' });
      const { publisher } = await openPublisher(deps, turn);
      await publisher.send('tools', `Called \`${spec.name}\` with ${call.arguments}\n${record.result.slice(0, 2000)}\n`, false, {
        tool_call_message_chunk: JSON.stringify({ name: record.name, arguments: record.arguments, result: record.result }),
      });
      return record;
    },
  };
}
