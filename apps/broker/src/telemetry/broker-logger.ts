import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogSettings } from '@fedbroker/config';
import { errorFields } from './error-fields';

/** The broker's structured logger, passed down to every part that logs. */
export type BrokerLogger = Logger;

/**
 * Field paths censored should a caller ever hand a request, its headers or its form to the logger:
 * nothing logs them today, and a credential must not reach a log if that changes.
 */
const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'subject_token',
  'actor_token',
  'assertion',
  'client_assertion',
  'client_secret',
  '*.subject_token',
  '*.actor_token',
  '*.assertion',
  '*.client_assertion',
  '*.client_secret',
];

/**
 * JSON lines on stdout (or `destination`), or pino-pretty's coloured lines for a terminal. Levels
 * are written as names and times as ISO 8601, which log collectors read without configuration.
 * Writes are synchronous: Nest ends the process by re-raising SIGTERM once closed, and a buffered
 * line (the shutdown's) would be lost.
 */
export function createBrokerLogger(settings: LogSettings, destination?: DestinationStream): BrokerLogger {
  const stream =
    destination ??
    (settings.format === 'pretty'
      ? pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:standard', sync: true })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: settings.level,
      base: { service: 'fedbroker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorFields },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    stream,
  );
}
