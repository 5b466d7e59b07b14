// Lint: typescript-eslint's recommended rules, plus the rule that keeps workflow code deterministic.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Temporal replays workflow code; it must not do I/O or read clocks itself. Only @temporalio/workflow,
// shared plain types and `import type` of activities may be imported from src/workflows.
const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'mongoose', 'mongodb', 'redis', 'openai', 'koa', 'koa-websocket', '@koa/router', 'ws', 'pino',
  'raw-body', '@modelcontextprotocol/sdk', '@temporalio/client', '@temporalio/worker', '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'test-artifacts/**', 'tools/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON responses loosely.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['*.js', '*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: forbiddenInWorkflows.map((name) => ({
          name,
          message: 'Workflow code must stay free of I/O: do this in an activity.',
          allowTypeImports: true,
        })),
        patterns: [{
          group: ['**/activities', '**/activities/*', '**/infra/*', '**/models/*', '**/api/*', '**/config', 'mongoose/*', '@modelcontextprotocol/*'],
          message: 'Workflows may only import @temporalio/workflow, src/shared and `import type` of activities.',
          allowTypeImports: true,
        }],
      }],
    },
  },
);
