// Builds the admin UI (web/ → web/dist) with Vite. `npm ci` runs it through the `prepare` script, so
// README's two commands still set everything up; `npm run build:web` runs it by hand. An install without
// the dev tools (`npm ci --omit=dev`) skips the build with a notice: the API then answers GET / with a
// 503 that says the UI is not built.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  try {
    require.resolve('vite', { paths: [root] });
  } catch {
    process.stdout.write('[build-web] vite is not installed (an install without dev dependencies): the admin UI is not built\n');
    return 0;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web', 'vite.config.mts'), logLevel: 'warn' });
  const assets = fs.readdirSync(path.join(root, 'web', 'dist', 'assets')).length;
  process.stdout.write(`[build-web] admin UI built into web/dist (${assets} assets) in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[build-web] ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
