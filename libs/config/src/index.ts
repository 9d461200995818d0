export type { BrokerConfig } from './broker-config';
export { ConfigError } from './config.error';
export { loadConfig } from './load-config';
export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type LogSettings } from './log-settings';
export { TRACE_EXPORTERS, type TraceExporter, type TracingSettings } from './tracing-settings';
