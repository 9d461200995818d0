import { ConfigError } from './config.error';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `FEDBROKER_LOG_LEVEL` and `FEDBROKER_LOG_FORMAT`. */
export interface LogSettings {
  level: LogLevel;
  /** `json`: one JSON object a line, for log collectors; `pretty`: for a terminal. */
  format: LogFormat;
}

type Env = Readonly<Record<string, string | undefined>>;

export function logSettings(env: Env): LogSettings {
  return {
    level: oneOf(env, 'FEDBROKER_LOG_LEVEL', LOG_LEVELS, 'info'),
    format: oneOf(env, 'FEDBROKER_LOG_FORMAT', LOG_FORMATS, 'json'),
  };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  const value = allowed.find((candidate) => candidate === raw);
  if (value === undefined) throw new ConfigError(name, `must be one of ${allowed.join(', ')}`);
  return value;
}
