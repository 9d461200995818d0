import { isIP } from 'node:net';
import type { BrokerConfig } from './broker-config';
import { ConfigError } from './config.error';
import { SIGNING_ALGS, type SigningAlgorithm } from './signing-algorithm';
import { logSettings } from './log-settings';
import { tracingSettings } from './tracing-settings';
import { trustedProxies } from './trusted-proxies';

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
    host: listenHost(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: database,
    dataDir: nonEmpty(env, 'FEDBROKER_DATA_DIR') ?? './.data',
    issuer: issuer(env, port),
    adminToken: adminToken(env),
    keyEncryptionKey: kek,
    previousKeyEncryptionKeys: previousKeyEncryptionKeys(env),
    signingAlg: signingAlg(env),
    keyRotationDays: optionalInteger(env, 'FEDBROKER_KEY_ROTATION_DAYS', 1, 3650),
    auditRetentionDays: optionalInteger(env, 'FEDBROKER_AUDIT_RETENTION_DAYS', 1, 36500),
    keyRotationLeadSeconds: integer(env, 'FEDBROKER_KEY_ROTATION_LEAD_SECONDS', 3600, 0, 604_800),
    maxTtlSeconds: integer(env, 'FEDBROKER_MAX_TTL_SECONDS', 3600, 1, 86_400),
    allowHttpIssuers: boolean(env, 'FEDBROKER_ALLOW_HTTP_ISSUERS', false),
    adminListener: adminListener(env, port, listenHost(env, 'HOST') ?? '0.0.0.0'),
    awsStsEndpoints: stsEndpoints(env),
    allowPrivateKeySources: boolean(env, 'FEDBROKER_ALLOW_PRIVATE_KEY_SOURCES', false),
    trustedProxies: trustedProxies(env.FEDBROKER_TRUSTED_PROXIES),
    rateLimitPerClient: integer(env, 'FEDBROKER_RATE_LIMIT_PER_CLIENT', 1200, 0, 1_000_000),
    rateLimitPerPlatform: integer(env, 'FEDBROKER_RATE_LIMIT_PER_PLATFORM', 12_000, 0, 10_000_000),
    log: logSettings(env),
    tracing: tracingSettings(env),
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

function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return nonEmpty(env, name) === undefined ? undefined : integer(env, name, min, min, max);
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
  if (!URL.canParse(raw)) {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a valid URL (a port must be a number; encode reserved characters)',
    );
  }
  return raw;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An address to listen on: an IP address, or a host name whose last label is not all digits. */
function listenHost(env: Env, name: string): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined || isIP(raw) !== 0) return raw;
  if (!HOST_NAME.test(raw) || /(^|\.)\d+$/.test(raw)) {
    throw new ConfigError(name, 'must be an IP address or a host name');
  }
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
  const key = base64Key(raw);
  if (key === undefined) {
    throw new ConfigError('FEDBROKER_KEY_ENCRYPTION_KEY', 'must be 32 bytes, base64-encoded');
  }
  return key;
}

/** Comma-separated, like the current key; a bad entry is named by its position, never its text. */
function previousKeyEncryptionKeys(env: Env): Buffer[] {
  const name = 'FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS';
  const raw = nonEmpty(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((entry, i) => {
    const key = base64Key(entry.trim());
    if (key === undefined) throw new ConfigError(name, `entry ${i + 1} is not 32 bytes, base64-encoded`);
    return key;
  });
}

function base64Key(raw: string): Buffer | undefined {
  const key = Buffer.from(raw, 'base64');
  const canonical = key.toString('base64').replace(/=+$/, '') === raw.replace(/=+$/, '');
  return key.length === 32 && canonical ? key : undefined;
}

function signingAlg(env: Env): SigningAlgorithm {
  const raw = nonEmpty(env, 'FEDBROKER_SIGNING_ALG');
  if (raw === undefined) return 'ES256';
  const alg = SIGNING_ALGS.find((candidate) => candidate === raw);
  if (alg === undefined)
    throw new ConfigError('FEDBROKER_SIGNING_ALG', `must be one of ${SIGNING_ALGS.join(', ')}`);
  return alg;
}

/**
 * `FEDBROKER_ADMIN_PORT` and `FEDBROKER_ADMIN_HOST`: where the operator endpoints listen when they
 * do not share the main listener. The host defaults to `HOST`; port 0 picks a free port, as for `PORT`.
 */
function adminListener(env: Env, mainPort: number, mainHost: string): BrokerConfig['adminListener'] {
  const host = listenHost(env, 'FEDBROKER_ADMIN_HOST');
  if (nonEmpty(env, 'FEDBROKER_ADMIN_PORT') === undefined) {
    if (host !== undefined) throw new ConfigError('FEDBROKER_ADMIN_HOST', 'needs FEDBROKER_ADMIN_PORT');
    return undefined;
  }
  const port = integer(env, 'FEDBROKER_ADMIN_PORT', 0, 0, 65535);
  if (port !== 0 && port === mainPort) throw new ConfigError('FEDBROKER_ADMIN_PORT', 'must differ from PORT');
  return { port, host: host ?? mainHost };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Origins only: https, or http on a loopback host; `{region}` may stand in the host. */
function stsEndpoints(env: Env): string[] | undefined {
  const name = 'FEDBROKER_AWS_STS_ENDPOINTS';
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  const endpoints = raw.split(',').map((entry) => entry.trim().replace(/\/+$/, ''));
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint.replaceAll('{region}', 'us-east-1'));
    } catch {
      throw new ConfigError(name, 'must be comma-separated absolute URLs');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
      throw new ConfigError(name, 'must be https URLs (http only on loopback hosts)');
    }
    if (url.origin !== endpoint.replaceAll('{region}', 'us-east-1').toLowerCase()) {
      throw new ConfigError(name, 'must be origins: scheme, host and port only');
    }
  }
  return endpoints;
}
