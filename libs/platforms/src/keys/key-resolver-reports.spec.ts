import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeJwksServer, type FakeJwksServer } from '../testing/fake-jwks-server';
import { createSigningKey } from '../testing/signing-key';
import { KeyResolver, type KeyFetchReport } from './key-resolver';

describe('KeyResolver reports', () => {
  let server: FakeJwksServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function reporting() {
    const logger = { info: vi.fn(), warn: vi.fn() };
    const fetches: KeyFetchReport[] = [];
    const keys = new KeyResolver({ logger, onFetch: (fetch) => void fetches.push(fetch) });
    return { keys, logger, fetches };
  }

  it('tells of a fetch: the source, the platform that asked, the keys found', async () => {
    const key = await createSigningKey('ES256', 'a');
    server = await startFakeJwksServer([key.publicJwk]);
    const { keys, logger, fetches } = reporting();
    await keys.getKey(
      { type: 'jwks-uri', url: server.jwksUri },
      { alg: 'ES256', kid: 'a' },
      { platform: 'cluster' },
    );
    expect(fetches).toEqual([
      { source: 'jwks-uri', platform: 'cluster', ok: true, seconds: expect.any(Number) as unknown },
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      expect.objectContaining({
        keySource: expect.stringContaining(server.jwksUri) as unknown,
        platform: 'cluster',
        keyCount: 1,
      }),
      'fetched keys',
    );
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain(String(key.publicJwk.x));
  });

  it('tells of a failed fetch, with the failure', async () => {
    server = await startFakeJwksServer([]);
    server.mode = 'down';
    const { keys, logger, fetches } = reporting();
    const probe = await keys.probe({ type: 'oidc-discovery', issuer: server.issuer }, { platform: 'gone' });
    expect(probe.ok).toBe(false);
    expect(fetches).toEqual([
      { source: 'oidc-discovery', platform: 'gone', ok: false, seconds: expect.any(Number) as unknown },
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ platform: 'gone', error: expect.any(String) as unknown }),
      'key fetch failed',
    );
  });
});
