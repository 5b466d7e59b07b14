// `npm run stack`: only the embedded services (Temporal, FerretDB, Redis check), for running the API
// and worker yourself (npm run server / npm run worker). Ctrl-C stops them.
import { loadConfig } from '../src/config';
import { stackOptionsFor } from './lib/embedded';
import { startStack } from './lib/stack';

const log = (line: string) => process.stdout.write(`[stack] ${line}\n`);

async function main() {
  const config = loadConfig();
  const stack = await startStack(stackOptionsFor(config, log, { persistent: true, ui: true }));
  log(`ready: Temporal ${config.temporal.address}, MongoDB ${config.mongo.uri}, Redis ${config.redis.url}`);
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`[stack] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
