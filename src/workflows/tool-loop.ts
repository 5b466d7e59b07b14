// The tool loop of a turn (coco-api.md §5.4 step 4): native function calling, at most maxIterations model
// steps, each step and each call its own activity; a cancelled call ends the loop. Its last words become
// the answer's tools_output, and its calls the reply's tools detail.
import type { QueryIntent, ReplyDetail, Turn, TurnContext } from '../shared/chat';
import type { ToolCallRecord, ToolMessage } from '../shared/tools';
import { callTool, listTools, toolModelStep } from './steps';
import type { Session } from './session';
import { turnStep } from './ui';

const TOOLS_SYSTEM_PROMPT =
  'You can call tools to help answer the user. Call them when they help; when you have what you need, reply with what you found, without calling more tools.';

export async function useTools(s: Session, turn: Turn, ctx: TurnContext, intent: QueryIntent | null, steps: ReplyDetail[]): Promise<string> {
  if (!ctx.tools || (ctx.pickTools && intent && !intent.need_call_tools)) return '';
  const specs = await turnStep(s, listTools, ctx.tools.mcpServerIds.length ? `tools · list (builtin, ${ctx.tools.mcpServerIds.length} MCP servers)` : 'tools · list (builtin)', turn, ctx);
  if (specs.length === 0) return '';
  const messages: ToolMessage[] = [
    { role: 'system', content: TOOLS_SYSTEM_PROMPT },
    { role: 'user', content: ctx.query },
  ];
  const calls: ToolCallRecord[] = [];
  let output = '';
  for (let i = 0; i < ctx.tools.maxIterations && !s.cancelRequested; i++) {
    const step = await turnStep(s, toolModelStep, `tools · ${ctx.tools.model.name} · step ${i + 1}`, turn, ctx, messages, specs);
    if (step.calls.length === 0) {
      output = step.content;
      break;
    }
    messages.push({ role: 'assistant', content: step.content, tool_calls: step.calls });
    for (const call of step.calls) {
      const spec = specs.find((x) => x.name === call.name);
      const record: ToolCallRecord = spec
        ? await turnStep(s, callTool, `tool · ${spec.name}`, turn, spec, call)
        : { name: call.name, arguments: call.arguments, result: `Error: there is no tool named ${call.name}`, error: true };
      if (record.cancelled) s.cancelRequested = true;
      calls.push(record);
      messages.push({ role: 'tool', tool_call_id: call.id, content: record.result });
      if (s.cancelRequested) break;
    }
  }
  if (!output) output = calls.map((c) => `${c.name}(${c.arguments}) → ${c.result}`).join('\n');
  if (calls.length) {
    const description = calls.map((c) => `- \`${c.name}\` ${c.arguments}\n\n  ${c.result.slice(0, 500)}`).join('\n');
    steps.push({ order: 15, type: 'tools', description, payload: calls });
  }
  return output;
}
