import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.error';
import { loadConfig } from './load-config';

const kek = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './.data',
      issuer: 'http://localhost:8080',
      adminToken: undefined,
      keyEncryptionKey: undefined,
      previousKeyEncryptionKeys: [],
      signingAlg: 'ES256',
      keyRotationDays: undefined,
      auditRetentionDays: undefined,
      keyRotationLeadSeconds: 3600,
      maxTtlSeconds: 3600,
      allowHttpIssuers: false,
      adminListener: undefined,
      allowPrivateKeySources: false,
      trustedProxies: [],
      rateLimitPerClient: 1200,
      rateLimitPerPlatform: 12_000,
      log: { level: 'info', format: 'json' },
      tracing: { exporters: [] },
      shutdownDrainSeconds: 1,
    });
  });

  it('reads a separate admin listener, on HOST unless told otherwise', () => {
    expect(loadConfig({ HOST: '10.0.0.5', FEDBROKER_ADMIN_PORT: '9090' }).adminListener).toEqual({
      port: 9090,
      host: '10.0.0.5',
    });
    expect(
      loadConfig({ FEDBROKER_ADMIN_PORT: '9090', FEDBROKER_ADMIN_HOST: '127.0.0.1' }).adminListener,
    ).toEqual({ port: 9090, host: '127.0.0.1' });
  });

  it('derives the default issuer from PORT', () => {
    expect(loadConfig({ PORT: '9000' }).issuer).toBe('http://localhost:9000');
  });

  it('requires a key-encryption key with an external database', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@db/fed' })).toThrow(
      /^FEDBROKER_KEY_ENCRYPTION_KEY: required when DATABASE_URL is set$/,
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '1234',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db/fed',
      FEDBROKER_DATA_DIR: '/tmp/x',
      FEDBROKER_ISSUER: 'https://sts.example/',
      FEDBROKER_ADMIN_TOKEN: 'a-long-admin-credential',
      FEDBROKER_KEY_ENCRYPTION_KEY: kek,
      FEDBROKER_MAX_TTL_SECONDS: '600',
      FEDBROKER_ALLOW_HTTP_ISSUERS: 'true',
      FEDBROKER_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::1 ',
      FEDBROKER_RATE_LIMIT_PER_CLIENT: '0',
      FEDBROKER_RATE_LIMIT_PER_PLATFORM: '600',
      FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS: `${Buffer.alloc(32, 8).toString('base64')}, ${Buffer.alloc(32, 9).toString('base64')}`,
      FEDBROKER_SIGNING_ALG: 'EdDSA',
      FEDBROKER_KEY_ROTATION_DAYS: '30',
      FEDBROKER_AUDIT_RETENTION_DAYS: '400',
      FEDBROKER_KEY_ROTATION_LEAD_SECONDS: '0',
      FEDBROKER_SHUTDOWN_DRAIN_SECONDS: '0',
    });
    expect(config).toMatchObject({
      previousKeyEncryptionKeys: [Buffer.alloc(32, 8), Buffer.alloc(32, 9)],
      signingAlg: 'EdDSA',
      keyRotationDays: 30,
      auditRetentionDays: 400,
      keyRotationLeadSeconds: 0,
      port: 1234,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db/fed',
      issuer: 'https://sts.example',
      maxTtlSeconds: 600,
      allowHttpIssuers: true,
      trustedProxies: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1'],
      rateLimitPerClient: 0,
      rateLimitPerPlatform: 600,
      shutdownDrainSeconds: 0,
    });
    expect(config.keyEncryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'postgres://u:pw@127.0.0.1:abc/x'],
    ['HOST', 'not_a_host'],
    ['HOST', '999.1.1.1'],
    ['HOST', 'broker .internal'],
    ['FEDBROKER_ISSUER', 'not a url'],
    ['FEDBROKER_ISSUER', 'ftp://x'],
    ['FEDBROKER_ADMIN_TOKEN', 'short'],
    ['FEDBROKER_KEY_ENCRYPTION_KEY', Buffer.alloc(16).toString('base64')],
    ['FEDBROKER_MAX_TTL_SECONDS', '0'],
    ['FEDBROKER_ALLOW_HTTP_ISSUERS', 'maybe'],
    ['FEDBROKER_ADMIN_PORT', 'admin'],
    ['FEDBROKER_ADMIN_PORT', '65536'],
    ['FEDBROKER_ADMIN_PORT', '8080'],
    ['FEDBROKER_ADMIN_HOST', '127.0.0.1'],
    ['FEDBROKER_TRUSTED_PROXIES', 'proxy.internal'],
    ['FEDBROKER_TRUSTED_PROXIES', '10.0.0.1,10.0.0.300'],
    ['FEDBROKER_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['FEDBROKER_TRUSTED_PROXIES', '10.0.0.0/0'],
    ['FEDBROKER_TRUSTED_PROXIES', '2001:db8::/129'],
    ['FEDBROKER_TRUSTED_PROXIES', '10.0.0.0/8/8'],
    ['FEDBROKER_TRUSTED_PROXIES', '10.0.0.0/-1'],
    ['FEDBROKER_TRUSTED_PROXIES', 'fe80::1%eth0'],
    ['FEDBROKER_RATE_LIMIT_PER_CLIENT', '-1'],
    ['FEDBROKER_RATE_LIMIT_PER_PLATFORM', 'lots'],
    ['FEDBROKER_SIGNING_ALG', 'HS256'],
    ['FEDBROKER_SIGNING_ALG', 'es256'],
    ['FEDBROKER_KEY_ROTATION_DAYS', '0'],
    ['FEDBROKER_AUDIT_RETENTION_DAYS', '0'],
    ['FEDBROKER_AUDIT_RETENTION_DAYS', '36501'],
    ['FEDBROKER_AUDIT_RETENTION_DAYS', 'ten'],
    ['FEDBROKER_KEY_ROTATION_DAYS', '1.5'],
    ['FEDBROKER_KEY_ROTATION_LEAD_SECONDS', '-5'],
    ['FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS', Buffer.alloc(16).toString('base64')],
    ['FEDBROKER_LOG_LEVEL', 'loud'],
    ['FEDBROKER_LOG_FORMAT', 'xml'],
    ['OTEL_TRACES_EXPORTER', 'jaeger'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['FEDBROKER_SHUTDOWN_DRAIN_SECONDS', '301'],
  ])('refuses a bad %s in one line naming it', (variable, value) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: [^\\n]+$`));
  });

  it.each(['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost', 'broker-1.internal.example'])(
    'listens on the host %s',
    (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
      expect(
        loadConfig({ FEDBROKER_ADMIN_PORT: '9090', FEDBROKER_ADMIN_HOST: host }).adminListener?.host,
      ).toBe(host);
    },
  );

  it('names the bad trusted-proxy entry by its position', () => {
    expect(() => loadConfig({ FEDBROKER_TRUSTED_PROXIES: '10.0.0.1, ,10.0.0.300' })).toThrow(
      /^FEDBROKER_TRUSTED_PROXIES: entry 2 is not an IP address or CIDR range$/,
    );
  });

  it('names the bad previous key-encryption key by its position', () => {
    const good = Buffer.alloc(32, 8).toString('base64');
    expect(() => loadConfig({ FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS: `${good},nope` })).toThrow(
      /^FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS: entry 2 is not 32 bytes, base64-encoded$/,
    );
  });

  it.each([
    ['FEDBROKER_ADMIN_TOKEN', 'sh0rt-secret'],
    ['DATABASE_URL', 'postgres://fedbroker:s3cret-pw@db:abc/fed'],
    ['FEDBROKER_KEY_ENCRYPTION_KEY', 'c2VjcmV0LWtleS1tYXRlcmlhbA=='],
    ['FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS', 'c2VjcmV0LWtleS1tYXRlcmlhbA=='],
  ])('never repeats the secret %s in the error', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(value) as unknown }),
    );
  });

  it('reads the STS endpoints AWS signed requests may be forwarded to', () => {
    const endpoints = 'https://sts.{region}.amazonaws.com, http://127.0.0.1:4566/';
    expect(loadConfig({ FEDBROKER_AWS_STS_ENDPOINTS: endpoints }).awsStsEndpoints).toEqual([
      'https://sts.{region}.amazonaws.com',
      'http://127.0.0.1:4566',
    ]);
    expect(loadConfig({}).awsStsEndpoints).toBeUndefined();
  });

  it.each([
    'sts.amazonaws.com',
    'http://sts.amazonaws.com',
    'https://sts.amazonaws.com/path',
    'https://sts.amazonaws.com/?Action=GetCallerIdentity',
    'https://user@sts.amazonaws.com',
  ])('refuses the STS endpoint %s in one line naming the variable', (value) => {
    expect(() => loadConfig({ FEDBROKER_AWS_STS_ENDPOINTS: value })).toThrow(
      /^FEDBROKER_AWS_STS_ENDPOINTS: [^\n]+$/,
    );
  });
});
