import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type BrokerConfig } from '@fedbroker/config';
import { serveBroker, type ServingBroker } from './serve-broker';
import { createBrokerLogger, type BrokerLogger } from './telemetry/broker-logger';
import { NestLogBridge } from './telemetry/nest-log-bridge';
import type { Tracing } from './telemetry/tracing';

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
  const tracing = await tracingOf(config);
  if (tracing) logger.info({ exporters: config.tracing.exporters }, 'tracing on');
  let broker: ServingBroker;
  try {
    broker = await serveBroker(config, { logger, appLogger: new NestLogBridge(logger) });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await tracing?.shutdown();
    process.exit(1);
  }
  logStart(logger, config, broker);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => stopOn(signal, broker, config, logger, tracing));
  }
}

/** The OpenTelemetry SDK, loaded only when tracing is on: off, its code is not held in memory. */
async function tracingOf(config: BrokerConfig): Promise<Tracing | undefined> {
  if (config.tracing.exporters.length === 0) return undefined;
  const { startTracing } = await import('./telemetry/tracing.js');
  return startTracing(config.tracing);
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

/** Drains (`/token` answers 503, `/readyz` fails), then closes, exports the last spans and exits. */
function stopOn(
  signal: NodeJS.Signals,
  broker: ServingBroker,
  config: BrokerConfig,
  logger: BrokerLogger,
  tracing: Tracing | undefined,
): void {
  broker.runtime.beginStopping();
  logger.info(
    { signal, drainSeconds: config.shutdownDrainSeconds },
    `${signal}: refusing new requests for ${config.shutdownDrainSeconds} s, then stopping`,
  );
  setTimeout(() => {
    broker
      .close()
      .then(async () => {
        await tracing?.shutdown();
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.fatal({ err: error }, 'stopping failed');
        process.exit(1);
      });
  }, config.shutdownDrainSeconds * 1000);
}

main().catch((error: unknown) => {
  createBrokerLogger({ level: 'info', format: 'json' }).fatal({ err: error }, 'failed to start');
  process.exit(1);
});
