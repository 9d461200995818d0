import type { LoggerService } from '@nestjs/common';
import type { BrokerLogger } from './broker-logger';

/**
 * Nest's own messages, through the broker's logger: warnings and errors only, since the rest
 * (module and route initialisation) repeats what the broker logs itself.
 */
export class NestLogBridge implements LoggerService {
  constructor(private readonly logger: BrokerLogger) {}

  log(..._ignored: unknown[]): void {}

  debug(..._ignored: unknown[]): void {}

  verbose(..._ignored: unknown[]): void {}

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn({ context: contextOf(params) }, String(message));
  }

  error(message: unknown, ...params: unknown[]): void {
    const [stack] = params.length > 1 ? params : [];
    this.logger.error(
      { context: contextOf(params), ...(typeof stack === 'string' ? { stack } : {}) },
      String(message),
    );
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.fatal({ context: contextOf(params) }, String(message));
  }
}

/** Nest passes the logging class's name last. */
function contextOf(params: unknown[]): string | undefined {
  const last = params.at(-1);
  return typeof last === 'string' ? last : undefined;
}
