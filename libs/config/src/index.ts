export type { BrokerConfig } from './broker-config';
export { ConfigError } from './config.error';
export { loadConfig } from './load-config';
