import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeSpiffe,
  type FakeSpiffe,
  type FakeSpiffeOptions,
} from '../../../../test/support/fake-spiffe';
import { createTestCertificate } from '../../../../test/support/test-certificate';
import { presentCredential } from '../credential/present-credential';
import { KeyResolver, type KeyResolverOptions } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { verifyJwtWith } from '../testing/verify-token';
import { spiffeAdapter } from './spiffe.adapter';

const START = Date.parse('2026-01-15T10:00:00Z');
const AUDIENCE = 'https://broker.example/token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

describe('SPIFFE key sources against a fake SPIRE trust domain', () => {
  let clock: number;
  let fakes: FakeSpiffe[];
  let keys: KeyResolver;

  const now = (): Date => new Date(clock);
  const start = async (options: Partial<FakeSpiffeOptions> = {}): Promise<FakeSpiffe> => {
    const fake = await startFakeSpiffe({ now, audience: AUDIENCE, ...options });
    fakes.push(fake);
    return fake;
  };
  const resolver = (options: KeyResolverOptions = {}): KeyResolver =>
    new KeyResolver({ now: () => clock, ...options });
  const platformFor = (fake: FakeSpiffe, overrides: Partial<PlatformConfig> = {}): PlatformConfig => ({
    id: `spiffe-${fake.trustDomain}`,
    name: 'mesh',
    kind: 'spiffe',
    issuer: fake.trustDomainId,
    audiences: [AUDIENCE],
    clockSkewSeconds: 0,
    settings: { trustDomain: fake.trustDomain, bundleEndpointUrl: fake.bundleEndpointUrl },
    enabled: true,
    version: 1,
    ...overrides,
  });
  const verify = (token: string, platform: PlatformConfig) =>
    verifyJwtWith(spiffeAdapter, token, platform, { now: now(), keys, allowHttp: false });

  beforeEach(() => {
    clock = START;
    fakes = [];
    keys = resolver();
  });

  afterEach(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
  });

  it('verifies with the jwt-svid keys of the bundle endpoint, never its X.509 authority', async () => {
    const fake = await start();
    const platform = platformFor(fake);
    const { identity } = await verify(await fake.mint({ path: '/ns/payments/sa/deployer' }), platform);
    expect(identity).toMatchObject({
      spiffeId: 'spiffe://example.org/ns/payments/sa/deployer',
      path: '/ns/payments/sa/deployer',
    });
    expect(fake.requests).toEqual({ bundle: 1, discovery: 0, keys: 0 });
    expect(fake.bundle().keys.map((key) => key.use)).toEqual(['x509-svid', 'jwt-svid']);
    await expect(keys.probe(spiffeAdapter.keySource(platform))).resolves.toEqual({ ok: true, keyCount: 1 });
  });

  it('fetches over https (the https_web profile) trusting the platform CA bundle, and only it', async () => {
    const server = await createTestCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    const fake = await start({ tls: { key: server.keyPem, cert: server.certPem } });
    expect(fake.bundleEndpointUrl).toMatch(/^https:/);
    const token = await fake.mint();
    await expect(verify(token, platformFor(fake, { caBundle: server.certPem }))).resolves.toBeDefined();
    await expect(verify(token, platformFor(fake, { id: 'no-ca' }))).rejects.toMatchObject({
      code: 'keys_unavailable',
    });
  });

  it.each([
    [
      'OIDC discovery at the issuer URL',
      (f: FakeSpiffe) => ({ issuer: f.issuer }),
      { bundle: 0, discovery: 1, keys: 1 },
    ],
    [
      'a jwksUri with the trust domain ID as issuer',
      (f: FakeSpiffe) => ({ jwksUri: f.jwksUri }),
      { bundle: 0, discovery: 0, keys: 1 },
    ],
  ])('verifies with keys from %s', async (_name, overrides, requests) => {
    const fake = await start({ jwtIssuer: true });
    const source = overrides(fake);
    const platform = platformFor(fake, { ...source, settings: { trustDomain: fake.trustDomain } });
    expect(spiffeAdapter.registrationProblems(platform, false)).toEqual([]);
    await expect(verify(await fake.mint(), platform)).resolves.toMatchObject({
      identity: { trustDomain: 'example.org' },
    });
    expect(fake.requests).toEqual(requests);
  });

  it('verifies a static bundle taken from the trust domain, without fetching', async () => {
    const fake = await start();
    const platform = platformFor(fake, { jwks: fake.bundle(), settings: { trustDomain: fake.trustDomain } });
    await expect(verify(await fake.mint(), platform)).resolves.toBeDefined();
    expect(fake.requests).toEqual({ bundle: 0, discovery: 0, keys: 0 });
  });

  it('never verifies a token of its trust domain with the keys of another', async () => {
    const [home, other] = [await start(), await start({ trustDomain: 'other.org' })];
    const forged = await other.mint({ spiffeId: 'spiffe://example.org/ns/payments/sa/deployer' });
    await expect(verify(forged, platformFor(home))).rejects.toMatchObject({ code: 'key_not_found' });
    expect(spiffeAdapter.locate(presentCredential(await other.mint(), JWT_TYPE, true))).toEqual([
      'spiffe other.org',
    ]);
  });

  it('refreshes as the bundle hint says, in the background, and not before', async () => {
    const fake = await start({ refreshHintSeconds: 60 });
    const platform = platformFor(fake);
    await verify(await fake.mint(), platform);
    clock += 40_000;
    await verify(await fake.mint(), platform);
    expect(fake.requests.bundle).toBe(1);
    clock += 10_000;
    const refreshed = fake.nextRequest('bundle');
    await verify(await fake.mint(), platform);
    await refreshed;
    expect(fake.requests.bundle).toBe(2);
  });

  it('keeps the resolver default of 10 minutes without a hint', async () => {
    const fake = await start({ refreshHintSeconds: undefined });
    const platform = platformFor(fake);
    await verify(await fake.mint(), platform);
    clock += 7 * 60_000;
    await verify(await fake.mint(), platform);
    expect(fake.requests.bundle).toBe(1);
  });

  it('follows a key rotation with one refetch once the cooldown has passed', async () => {
    const fake = await start();
    const platform = platformFor(fake);
    await verify(await fake.mint(), platform);
    await fake.rotateKey({ dropPrevious: true });
    const rotated = await fake.mint();
    await expect(verify(rotated, platform)).rejects.toMatchObject({ code: 'key_not_found' });
    clock += 30_000;
    await expect(verify(rotated, platform)).resolves.toBeDefined();
    expect(fake.requests.bundle).toBe(2);
  });

  it('refuses an older bundle (lower spiffe_sequence) that would bring back a removed key', async () => {
    const fake = await start();
    const platform = platformFor(fake);
    const removed = await fake.mint({ lifetimeSeconds: 3600 });
    const older = fake.bundle();
    await fake.rotateKey({ dropPrevious: true });
    const current = await fake.mint({ lifetimeSeconds: 3600 });
    await verify(current, platform);
    fake.servedBundle = older;
    clock += 30_000;
    await expect(verify(removed, platform)).rejects.toMatchObject({ code: 'keys_unavailable' });
    await expect(verify(current, platform)).resolves.toBeDefined();
    const probe = await keys.probe(spiffeAdapter.keySource(platform));
    expect(probe.ok).toBe(false);
    expect(probe.error).toContain('spiffe_sequence went back from 2 to 1');
  });

  it('takes the endpoint bundle whatever its sequence once the one in use is too stale to serve', async () => {
    keys = resolver({ maxStaleMs: 5 * 60_000 });
    const fake = await start();
    const platform = platformFor(fake);
    const earlier = await fake.mint({ lifetimeSeconds: 3600 });
    const reset = fake.bundle();
    await fake.rotateKey({ dropPrevious: true });
    await verify(await fake.mint(), platform);
    fake.servedBundle = { ...reset, spiffe_sequence: 0 };
    clock += 6 * 60_000;
    await expect(verify(earlier, platform)).resolves.toBeDefined();
  });

  it('reports an unreachable bundle endpoint as retryable', async () => {
    const fake = await start();
    fake.mode = 'down';
    const platform = platformFor(fake);
    await expect(verify(await fake.mint(), platform)).rejects.toMatchObject({ code: 'keys_unavailable' });
    const probe = await keys.probe(spiffeAdapter.keySource(platform));
    expect(probe.ok).toBe(false);
    expect(probe.error).toContain('HTTP 503');
  });
});
