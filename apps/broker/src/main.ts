import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type BrokerConfig } from '@fedbroker/config';
import { serveBroker, type ServingBroker } from './serve-broker';
import { createBrokerLogger, type BrokerLogger } from './telemetry/broker-logger';
import { NestLogBridge } from './telemetry/nest-log-bridge';
import { startTracing } from './telemetry/tracing';

function configOrExit(): BrokerConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createBrokerLogger({ level: 'info', format: 'json' }).fatal({ variable: error.variable }, error.message);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createBrokerLogger(config.log);
  const tracing = startTracing(config.tracing);
  if (tracing) logger.info({ exporters: config.tracing.exporters }, 'tracing on');
  let broker: ServingBroker;
  try {
    broker = await serveBroker(config, {
      logger,
      appLogger: new NestLogBridge(logger),
      onClose: async () => {
        await tracing?.shutdown();
        logger.info('stopped');
      },
    });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await tracing?.shutdown();
    process.exit(1);
  }
  logStart(logger, config, broker);
}

function logStart(logger: BrokerLogger, config: BrokerConfig, broker: ServingBroker): void {
  const { port } = broker.app.getHttpServer().address() as AddressInfo;
  logger.info(
    {
      address: broker.url,
      adminAddress: broker.adminUrl ?? null,
      issuer: config.issuer,
      mode: config.databaseUrl ? 'postgresql' : 'embedded',
      ...(config.databaseUrl ? {} : { dataDir: config.dataDir }),
    },
    `listening on ${config.host}:${port}`,
  );
  if (broker.generatedCredential) {
    logger.warn(`generated the admin credential (shown once, stored hashed): ${broker.generatedCredential}`);
  }
}

main().catch((error: unknown) => {
  createBrokerLogger({ level: 'info', format: 'json' }).fatal({ err: error }, 'failed to start');
  process.exit(1);
});
