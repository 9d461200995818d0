// Runs a TypeScript module of this repository in a Node process of its own, through Vite's module
// runner with the aliases of vitest.config.mts: how the fault suite starts a real broker process
// without a build. Usage: node test/support/run-typescript.mjs apps/broker/src/main.ts
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, createServerModuleRunner } from 'vite';

const [modulePath] = process.argv.slice(2);
if (modulePath === undefined) {
  process.stderr.write('usage: node test/support/run-typescript.mjs <module path in the repository>\n');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const vite = await createServer({
  root,
  configFile: `${root}/vitest.config.mts`,
  appType: 'custom',
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true },
});
const runner = createServerModuleRunner(vite.environments.ssr, { hmr: false });
await runner.import(`/${modulePath}`);
