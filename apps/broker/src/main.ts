import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '@fedbroker/config';
import { createApp } from './create-app';
import { startRuntime, type RuntimeLogger } from './runtime/broker-runtime';

const logger: RuntimeLogger = {
  log: (message) => process.stdout.write(`fedbroker: ${message}\n`),
  warn: (message) => process.stderr.write(`fedbroker: warning: ${message}\n`),
  error: (message) => process.stderr.write(`fedbroker: error: ${message}\n`),
};

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const runtime = await startRuntime(config, { logger });
  const app = await createApp(runtime, { logger: ['warn', 'error'] });
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const storage = config.databaseUrl ? 'PostgreSQL' : `embedded PostgreSQL in ${config.dataDir}`;
  logger.log(`listening on ${config.host}:${port} as ${config.issuer} (${storage})`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      runtime.beginStopping();
      logger.log(`${signal}: refusing new requests for ${config.shutdownDrainSeconds} s, then stopping`);
      setTimeout(() => {
        app.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
      }, config.shutdownDrainSeconds * 1000);
    });
  }
}

main().catch((error: unknown) => {
  logger.error(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
