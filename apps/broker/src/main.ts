import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '@fedbroker/config';
import type { RuntimeLogger } from './runtime/broker-runtime';
import { serveBroker } from './serve-broker';

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
  const broker = await serveBroker(config, { logger, appLogger: ['warn', 'error'] });
  const { port } = broker.app.getHttpServer().address() as AddressInfo;
  const storage = config.databaseUrl ? 'PostgreSQL' : `embedded PostgreSQL in ${config.dataDir}`;
  logger.log(`listening on ${config.host}:${port} as ${config.issuer} (${storage})`);
  if (config.adminListener) {
    logger.log(`admin endpoints on ${config.adminListener.host}:${config.adminListener.port} only`);
  }
  if (broker.generatedCredential) {
    logger.log(`generated the admin credential (shown once, stored hashed): ${broker.generatedCredential}`);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      broker.runtime.beginStopping();
      logger.log(`${signal}: refusing new requests for ${config.shutdownDrainSeconds} s, then stopping`);
      setTimeout(() => {
        broker.close().then(
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
