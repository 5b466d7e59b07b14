// Workflow bundle entry. Workflows import only @temporalio/workflow (and /common), src/shared and
// `import type` of activities; eslint.config.mjs enforces it.
export { chatSession } from './chat-session';
export { parseAttachment } from './attachment-parse';
