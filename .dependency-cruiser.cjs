// The layering of src/, checked in CI (`npm run layers`, part of `npm test`): each folder may import only
// the folders listed for it, so imports point down and nothing but src/server.ts reaches into src/api.
// Any import not allowed here (also any import from a folder that is not a layer yet), and any cycle,
// fails the run. README.md ("Layout") explains each layer.
/** folder (or file) → what it may import besides itself. */
const LAYERS = {
  'src/shared': [],
  'src/config.ts': ['src/shared'],
  'src/models': ['src/shared'],
  'src/infra': ['src/models', 'src/shared'],
  'src/search': ['src/models', 'src/shared'],
  'src/bus': ['src/infra', 'src/shared'],
  'src/tools': ['src/infra', 'src/shared', 'src/config.ts'],
  'src/domain': ['src/models', 'src/infra', 'src/search', 'src/shared', 'src/config.ts'],
  'src/retrieval': ['src/domain', 'src/search', 'src/infra', 'src/shared'],
  'src/activities': ['src/domain', 'src/bus', 'src/retrieval', 'src/tools', 'src/infra', 'src/shared', 'src/config.ts'],
  // Workflows are replayed: plain code only (eslint.config.mjs also keeps Node and I/O out).
  'src/workflows': ['src/shared'],
  'src/api': ['src/domain', 'src/bus', 'src/search', 'src/infra', 'src/shared', 'src/config.ts', 'src/workflows/definitions.ts'],
  'src/server.ts': ['src/api', 'src/domain', 'src/bus', 'src/infra', 'src/config.ts'],
  'src/worker.ts': ['src/activities', 'src/domain', 'src/bus', 'src/retrieval', 'src/tools', 'src/infra', 'src/config.ts'],
};

const esc = (p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A folder matches everything under it; a file only itself. */
const pattern = (p) => (p.endsWith('.ts') ? `^${esc(p)}$` : `^${esc(p)}/`);

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Modules must not import each other, directly or around a loop.', from: {}, to: { circular: true } },
  ],
  allowed: [
    ...Object.entries(LAYERS).map(([from, to]) => ({
      comment: `${from} may import: ${[from, ...to].join(', ')}`,
      from: { path: pattern(from) },
      to: { path: [from, ...to].map(pattern) },
    })),
    // The workflow names the activities' types (proxyActivities<Activities>); it never runs their code.
    { comment: 'src/workflows may import types of src/activities', from: { path: '^src/workflows/' }, to: { path: '^src/activities/', dependencyTypes: ['type-only'] } },
  ],
  allowedSeverity: 'error',
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: 'node_modules' },
  },
};
