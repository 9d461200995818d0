import type { BrokerConfig } from './broker-config';
import { ConfigError } from './config.error';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the `API.md` environment variables. Throws {@link ConfigError} on the first bad one. */
export function loadConfig(env: Env): BrokerConfig {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const database = databaseUrl(env);
  const kek = keyEncryptionKey(env);
  if (database !== undefined && kek === undefined) {
    throw new ConfigError('FEDBROKER_KEY_ENCRYPTION_KEY', 'required when DATABASE_URL is set');
  }
  return {
    port,
    host: nonEmpty(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: database,
    dataDir: nonEmpty(env, 'FEDBROKER_DATA_DIR') ?? './.data',
    issuer: issuer(env, port),
    adminToken: adminToken(env),
    keyEncryptionKey: kek,
    maxTtlSeconds: integer(env, 'FEDBROKER_MAX_TTL_SECONDS', 3600, 1, 86_400),
    allowHttpIssuers: boolean(env, 'FEDBROKER_ALLOW_HTTP_ISSUERS', false),
    shutdownDrainSeconds: integer(env, 'FEDBROKER_SHUTDOWN_DRAIN_SECONDS', 1, 0, 300),
  };
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, 'must be a whole number');
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, 'must be true or false');
}

function databaseUrl(env: Env): string | undefined {
  const raw = nonEmpty(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  return raw;
}

function issuer(env: Env, port: number): string {
  const raw = nonEmpty(env, 'FEDBROKER_ISSUER');
  if (raw === undefined) return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('FEDBROKER_ISSUER', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('FEDBROKER_ISSUER', 'must be an http(s) URL');
  }
  if (url.search || url.hash) throw new ConfigError('FEDBROKER_ISSUER', 'must not have a query or fragment');
  return raw.replace(/\/+$/, '');
}

function adminToken(env: Env): string | undefined {
  const raw = env.FEDBROKER_ADMIN_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new ConfigError('FEDBROKER_ADMIN_TOKEN', 'must be at least 16 characters');
  return raw;
}

function keyEncryptionKey(env: Env): Buffer | undefined {
  const raw = nonEmpty(env, 'FEDBROKER_KEY_ENCRYPTION_KEY');
  if (raw === undefined) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
    throw new ConfigError('FEDBROKER_KEY_ENCRYPTION_KEY', 'must be 32 bytes, base64-encoded');
  }
  return key;
}
