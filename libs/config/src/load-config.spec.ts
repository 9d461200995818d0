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
      maxTtlSeconds: 3600,
      allowHttpIssuers: false,
      shutdownDrainSeconds: 1,
    });
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
      FEDBROKER_SHUTDOWN_DRAIN_SECONDS: '0',
    });
    expect(config).toMatchObject({
      port: 1234,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db/fed',
      issuer: 'https://sts.example',
      maxTtlSeconds: 600,
      allowHttpIssuers: true,
      shutdownDrainSeconds: 0,
    });
    expect(config.keyEncryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['FEDBROKER_ISSUER', 'not a url'],
    ['FEDBROKER_ISSUER', 'ftp://x'],
    ['FEDBROKER_ADMIN_TOKEN', 'short'],
    ['FEDBROKER_KEY_ENCRYPTION_KEY', Buffer.alloc(16).toString('base64')],
    ['FEDBROKER_MAX_TTL_SECONDS', '0'],
    ['FEDBROKER_ALLOW_HTTP_ISSUERS', 'maybe'],
    ['FEDBROKER_SHUTDOWN_DRAIN_SECONDS', '301'],
  ])('refuses a bad %s in one line naming it', (variable, value) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: [^\\n]+$`));
  });

  it.each([
    ['FEDBROKER_ADMIN_TOKEN', 'sh0rt-secret'],
    ['FEDBROKER_KEY_ENCRYPTION_KEY', 'c2VjcmV0LWtleS1tYXRlcmlhbA=='],
  ])('never repeats the secret %s in the error', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(value) as unknown }),
    );
  });
});
