import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@fedbroker/config';
import { createApp } from './create-app';
import { startRuntime } from './runtime/broker-runtime';

async function main(): Promise<void> {
  const logger = new Logger('fedbroker');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`fedbroker: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const runtime = await startRuntime(config, { logger });
  const app = await createApp(runtime);
  await app.listen(config.port, config.host);
  logger.log(
    `listening on ${config.host}:${config.port} as ${config.issuer} (${config.databaseUrl ? 'PostgreSQL' : `embedded PostgreSQL in ${config.dataDir}`})`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fedbroker: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
