import type { Stored } from '../../../domain/record';
import type { SessionOverviewRow } from '../../../domain/sessions/overview';
import { workflowIdForSession } from '../../../shared/chat';
import { rfc3339 } from '../../../shared/time';
import { present } from '../present';

/** Coco shows a session's owner under `_system`. */
export function presentSession(doc: Stored): Record<string, unknown> {
  const out = present(doc, ['owner_id']);
  out._system = { owner_id: doc.owner_id };
  return out;
}

export function presentMessage(doc: Stored): Record<string, unknown> {
  const out = present(doc, ['owner_id', 'reply_message_id', 'last_seq', 'answer_index']);
  if (out.type === 'user') delete out.reply_to_message;
  out._system = { owner_id: doc.owner_id };
  return out;
}

/** Where the Temporal UI shows one workflow (its id URL-encoded: `chat-session:<id>` has a colon). */
export function temporalWorkflowUrl(temporal: { uiUrl: string; namespace: string }, workflowId: string): string {
  return `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A row of the Sessions page: the session, its owner's name, its activity and its workflow in the Temporal UI. */
export function presentOverviewRow(row: SessionOverviewRow, temporal: { uiUrl: string; namespace: string }): Record<string, unknown> {
  const workflowId = workflowIdForSession(row.id);
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    visible: row.visible,
    owner: row.owner,
    created: rfc3339(row.created),
    updated: rfc3339(row.updated),
    turns: row.turns,
    last_activity: row.lastActivity ? rfc3339(row.lastActivity) : null,
    workflow_id: workflowId,
    workflow_url: temporalWorkflowUrl(temporal, workflowId),
  };
}
