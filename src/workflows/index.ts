// Workflow bundle entry. Workflows import only @temporalio/workflow, src/shared and `import type` of
// activities (enforced by eslint.config.mjs); the chat-session workflow lands here.
export {};
