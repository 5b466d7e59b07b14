// The error a tool raises to tell the model what went wrong (its shared types are in src/shared/tools.ts;
// its configuration, ToolsConfig, in src/config.ts).
export class ToolError extends Error {}
