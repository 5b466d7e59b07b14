// The admin UI build: `npm run build:web` (run by `npm ci` through the `prepare` script) writes web/dist,
// which the API serves at / (src/api/middleware/static.ts). `npx vite --config web/vite.config.ts` is a
// dev server that proxies the API on :9000.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.COCO_API_URL ?? 'http://127.0.0.1:9000';
const apiPaths = ['/assistant', '/model_provider', '/datasource', '/document', '/mcp_server', '/chat', '/auth', '/account', '/user', '/provider', '/health', '/query', '/attachment', '/integration', '/v1'];

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        // antd, react and the markdown stack change less often than the app: separate cacheable files.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/ },
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|rc-[^\\/]+|@rc-component)[\\/]/ },
            { name: 'markdown', test: /node_modules[\\/](react-markdown|remark-[^\\/]+|micromark[^\\/]*|mdast-[^\\/]+|hast-[^\\/]+|unified|vfile[^\\/]*)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: Object.fromEntries([...apiPaths.map((p) => [p, api]), ['/ws', { target: api.replace(/^http/, 'ws'), ws: true }]]),
  },
});
