// The chat-session workflow's messages and search attributes. Pure definitions: the API imports them too.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, ChatSessionState, ReplyRef, Turn } from '../shared/chat';

/** Queues a turn; answers with the reply's message id as soon as the turn is accepted. */
export const sendMessageUpdate = defineUpdate<{ replyId: string }, [Turn]>('sendMessage');
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
export const closeSignal = defineSignal('close');
/** The API took a turn back (its user message could not be saved): nothing of it may remain. */
export const withdrawSignal = defineSignal<[ReplyRef]>('withdraw');
export const stateQuery = defineQuery<ChatSessionState>('state');

/** Registered on the dev server by the stack script (--search-attribute); operators filter chats by them. */
export const SESSION_ID_ATTRIBUTE = defineSearchAttributeKey('CocoSessionId', SearchAttributeType.KEYWORD);
export const ASSISTANT_ID_ATTRIBUTE = defineSearchAttributeKey('CocoAssistantId', SearchAttributeType.KEYWORD);
/**
 * `<assistant name> · <username>`, set when a run starts: a column of the Temporal UI's workflow list (whose
 * rows show no static summary). Never message text or a title: search attributes are stored in the clear
 * in the visibility store, unlike the summary and details (payloads, encrypted by the codec).
 */
export const SUMMARY_ATTRIBUTE = defineSearchAttributeKey('CocoSummary', SearchAttributeType.KEYWORD);

export const CHAT_SESSION_WORKFLOW = 'chatSession';

/** Reads an uploaded file's text (one workflow per file, started at upload; see ./attachment-parse). */
export const PARSE_ATTACHMENT_WORKFLOW = 'parseAttachment';
export const workflowIdForAttachment = (attachmentId: string) => `attachment-parse:${attachmentId}`;
