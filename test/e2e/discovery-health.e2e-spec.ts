import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';

describe('discovery and health', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
    'serves RFC 8414 metadata at %s',
    async (path) => {
      const response = await fetch(`${broker.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: 'https://broker.test',
        token_endpoint: 'https://broker.test/token',
        jwks_uri: 'https://broker.test/jwks',
        grant_types_supported: expect.arrayContaining([
          'urn:ietf:params:oauth:grant-type:token-exchange',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
          'client_credentials',
        ]) as unknown,
        token_endpoint_auth_methods_supported: expect.arrayContaining(['private_key_jwt']) as unknown,
        token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining([
          'ES256',
          'RS256',
        ]) as unknown,
      });
    },
  );

  it('publishes the signing key as an ES256 public JWK without private parts', async () => {
    const jwks = (await (await fetch(`${broker.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('is alive and ready', async () => {
    expect((await fetch(`${broker.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${broker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { database: true, signingKey: true } });
  });

  it('stamps every response with a request id', async () => {
    const response = await fetch(`${broker.url}/healthz`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
