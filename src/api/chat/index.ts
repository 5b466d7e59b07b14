// The chat services the chat routes call: turns (checks and start), reply control (cancel, close),
// reply streams (resume), over the session workflows and the domain's sessions and messages.
import type { BusKeys } from '../../bus/keys';
import type { Domain } from '../../domain';
import type { AppDeps } from '../context';
import { AdmissionGate } from '../middleware/admission';
import { ReplyControl } from './control';
import type { StreamDeps } from './ndjson';
import { ReplyStreams } from './replies';
import { Turns } from './turns';
import { SessionWorkflows } from './workflows';

export interface Chat {
  turns: Turns;
  control: ReplyControl;
  replies: ReplyStreams;
  sessions: Domain['sessions'];
  messages: Domain['messages'];
  attachments: Domain['attachments'];
  /** What NDJSON streams follow replies with. */
  stream: StreamDeps;
  /** Bounds how many turns this instance starts at once (the rest queue, then get 503). */
  admission: AdmissionGate;
}

export function createChat(deps: AppDeps, keys: BusKeys): Chat {
  const { domain, redis, config } = deps;
  const workflows = new SessionWorkflows(deps.temporal, {
    taskQueue: config.temporal.taskQueue,
    turnsPerRun: config.chat.turnsPerRun,
    continueQuietMs: config.chat.continueQuietMs,
    forceContinueEvents: config.chat.forceContinueEvents,
    admissionMs: config.chat.admissionMs,
    publicUrl: config.publicUrl,
    uiText: config.chat.uiText,
  });
  const control = new ReplyControl(redis, keys, domain.messages, workflows);
  const turns = new Turns({
    assistants: domain.assistants,
    attachments: domain.attachments,
    sessions: domain.sessions,
    messages: domain.messages,
    workflows,
    control,
    redis,
    keys,
    admissionMs: config.chat.admissionMs,
    logger: deps.logger,
  });
  const replies = new ReplyStreams(redis, keys, domain.messages);
  return {
    turns,
    control,
    replies,
    sessions: domain.sessions,
    messages: domain.messages,
    attachments: domain.attachments,
    admission: new AdmissionGate(config.chat.turnStarts),
    stream: { redis, hub: deps.hub, keys, idleMs: config.stream.followIdleMs, savedAfter: (id, after) => replies.savedAfter(id, after) },
  };
}
