// `npm run toolchain`: build (or find) the Temporal CLI and the FerretDB wrapper, and say where they are.
import { loadConfig } from '../src/config';
import { ensureFerretDB, ensureTemporal } from './lib/toolchain';

const log = (line: string) => process.stdout.write(`[toolchain] ${line}\n`);

async function main() {
  const started = Date.now();
  const config = loadConfig();
  const [temporal, ferret] = await Promise.all([ensureTemporal(log, config.temporal.bin), ensureFerretDB(log)]);
  log(`temporal: ${temporal}`);
  log(`ferretdb: ${ferret}`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err) => {
  process.stderr.write(`[toolchain] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
