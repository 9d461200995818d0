import { createBrokerLogger, type BrokerLogger } from '../../apps/broker/src/telemetry/broker-logger';

/** One JSON log line as the broker writes it. */
export type LogLine = Record<string, unknown> & { level: string; msg: string; time: string };

/** A broker logger at `debug` writing into memory, formatted exactly as in production. */
export interface CapturedLogs {
  readonly logger: BrokerLogger;
  /** Everything written so far, verbatim. */
  text(): string;
  lines(): LogLine[];
  /** The lines whose message is `msg`. */
  withMessage(msg: string): LogLine[];
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const logger = createBrokerLogger(
    { level: 'debug', format: 'json' },
    { write: (chunk: string) => void chunks.push(chunk) },
  );
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  return { logger, text, lines, withMessage: (msg) => lines().filter((line) => line.msg === msg) };
}
