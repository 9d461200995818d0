import { describe, expect, it } from 'vitest';
import type { PresentedCredential } from '../credential/presented-credential';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { spiffeAdapter } from './spiffe.adapter';

const AUDIENCE = 'https://broker.example/token';
const BUNDLE_URL = 'https://spire.example.org:8443';
const EC = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
const BUNDLE = {
  keys: [
    { use: 'x509-svid', ...EC, x5c: ['MIIB'] },
    { use: 'jwt-svid', ...EC, kid: 'jwt-1' },
  ],
  spiffe_sequence: 3,
  spiffe_refresh_hint: 300,
};

const base: PlatformRegistration = {
  name: 'prod-mesh',
  kind: 'spiffe',
  issuer: 'spiffe://example.org',
  audiences: [AUDIENCE],
  clockSkewSeconds: 60,
  settings: { trustDomain: 'example.org', bundleEndpointUrl: BUNDLE_URL },
  enabled: true,
};

function withSettings(settings: Record<string, unknown>): Partial<PlatformRegistration> {
  return { settings: { trustDomain: 'example.org', ...settings } };
}

describe('spiffeAdapter.settingsSchema', () => {
  it.each([
    [{ trustDomain: 'example.org' }, true],
    [{ trustDomain: 'example.org', bundleEndpointUrl: BUNDLE_URL }, true],
    [{ trustDomain: 'example.org', maxTokenLifetimeSeconds: 300 }, true],
    [{ trustDomain: 'example.org', maxTokenLifetimeSeconds: 86_400 }, true],
    [{ trustDomain: 'example.org', maxTokenLifetimeSeconds: 86_401 }, false],
    [{ trustDomain: 'example.org', maxTokenLifetimeSeconds: 0 }, false],
    [{ trustDomain: 'example.org', maxTokenLifetimeSeconds: 1.5 }, false],
    [{ trustDomain: 'example.org', bundleEndpointUrl: '' }, false],
    [{ trustDomain: 'example.org', somethingElse: true }, false],
    [{}, false],
    [{ trustDomain: 'spiffe://example.org' }, false],
    [{ trustDomain: 'Example.org' }, false],
    [{ trustDomain: '' }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(spiffeAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });

  it('says why a trust domain is refused', () => {
    const result = spiffeAdapter.settingsSchema.safeParse({ trustDomain: 'spiffe://example.org' });
    expect(result.error?.issues[0]?.path).toEqual(['trustDomain']);
    expect(result.error?.issues[0]?.message).toContain('lowercase');
  });
});

describe('spiffeAdapter.registrationProblems', () => {
  it.each<[string, Partial<PlatformRegistration>, boolean, string[]]>([
    ['a spiffe:// issuer with a bundle endpoint', {}, false, []],
    ['a spiffe:// issuer with a static SPIFFE bundle', { jwks: BUNDLE, ...withSettings({}) }, false, []],
    [
      'a spiffe:// issuer with a plain JWK Set',
      { jwks: { keys: [{ ...EC, kid: 'k' }] }, ...withSettings({}) },
      false,
      [],
    ],
    [
      'a spiffe:// issuer with a jwksUri',
      { jwksUri: 'https://oidc.example.org/keys', ...withSettings({}) },
      false,
      [],
    ],
    [
      'an https issuer with OIDC discovery',
      { issuer: 'https://oidc.example.org', ...withSettings({}) },
      false,
      [],
    ],
    ['an https issuer with a bundle endpoint', { issuer: 'https://oidc.example.org' }, false, []],
    [
      'an http loopback bundle endpoint',
      withSettings({ bundleEndpointUrl: 'http://127.0.0.1:8443/' }),
      false,
      [],
    ],
    [
      'an http bundle endpoint when allowHttp',
      withSettings({ bundleEndpointUrl: 'http://spire.internal/' }),
      true,
      [],
    ],
    [
      'an empty static bundle, saved and reported by the key probe',
      { jwks: { keys: [] }, ...withSettings({}) },
      false,
      [],
    ],
    ['a spiffe:// issuer of another trust domain', { issuer: 'spiffe://other.org' }, false, ['issuer']],
    ['a spiffe:// issuer with a path', { issuer: 'spiffe://example.org/spire/server' }, false, ['issuer']],
    ['a spiffe:// issuer with no key source', withSettings({}), false, ['issuer']],
    ['a non-URL issuer', { issuer: 'example.org' }, false, ['issuer']],
    ['an http non-loopback issuer', { issuer: 'http://oidc.example.org' }, false, ['issuer']],
    ['an issuer with spaces', { issuer: ' spiffe://example.org' }, false, ['issuer']],
    [
      'an http non-loopback bundle endpoint',
      withSettings({ bundleEndpointUrl: 'http://spire.internal/' }),
      false,
      ['settings.bundleEndpointUrl'],
    ],
    [
      'a bundle endpoint with a fragment',
      withSettings({ bundleEndpointUrl: `${BUNDLE_URL}/#x` }),
      false,
      ['settings.bundleEndpointUrl'],
    ],
    ['a bundle endpoint and inline jwks', { jwks: BUNDLE }, false, ['settings.bundleEndpointUrl']],
    [
      'a bundle endpoint and a jwksUri',
      { jwksUri: 'https://oidc.example.org/keys' },
      false,
      ['settings.bundleEndpointUrl'],
    ],
    [
      'jwks and a jwksUri',
      { jwks: BUNDLE, jwksUri: 'https://oidc.example.org/keys', ...withSettings({}) },
      false,
      ['jwksUri'],
    ],
    [
      'a jwt-svid key without kid',
      { jwks: { keys: [{ use: 'jwt-svid', ...EC }] }, ...withSettings({}) },
      false,
      ['jwks.keys.0'],
    ],
    ['a plain key without kid', { jwks: { keys: [EC] }, ...withSettings({}) }, false, ['jwks.keys.0']],
    [
      'a private key in the bundle',
      { jwks: { keys: [{ use: 'jwt-svid', ...EC, kid: 'k', d: 'secret' }] }, ...withSettings({}) },
      false,
      ['jwks.keys.0'],
    ],
    ['a caBundle that is not PEM', { caBundle: 'not a certificate' }, false, ['caBundle']],
    ['no audiences', { audiences: [] }, false, ['audiences']],
    [
      'settings the schema refuses: problems it reports itself',
      { settings: { trustDomain: 'Bad' } },
      false,
      [],
    ],
  ])('%s', (_name, overrides, allowHttp, fields) => {
    const problems = spiffeAdapter.registrationProblems({ ...base, ...overrides }, allowHttp);
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it('names the issuer forms when refusing one', () => {
    const [problem] = spiffeAdapter.registrationProblems({ ...base, issuer: 'spiffe://other.org' }, false);
    expect(problem?.message).toContain('spiffe://<trustDomain>');
  });
});

function credentialWith(claims: Record<string, unknown> | undefined): PresentedCredential {
  return {
    token: 'h.p.s',
    type: 'urn:ietf:params:oauth:token-type:jwt',
    jwt: claims === undefined ? undefined : { header: { alg: 'ES256', kid: 'k' }, claims },
  };
}

describe('spiffeAdapter routes', () => {
  it('answers to its trust domain only', () => {
    expect(spiffeAdapter.routeKeys(base)).toEqual(['spiffe example.org']);
    expect(spiffeAdapter.routeKeys({ ...base, issuer: 'https://oidc.example.org' })).toEqual([
      'spiffe example.org',
    ]);
    expect(spiffeAdapter.routeKeys({ ...base, settings: {} })).toEqual([]);
  });

  it.each<[string, Record<string, unknown> | undefined, string[]]>([
    ['a workload SPIFFE ID', { sub: 'spiffe://example.org/ns/a/sa/b' }, ['spiffe example.org']],
    [
      'whatever its iss',
      { sub: 'spiffe://example.org/a', iss: 'https://cluster.example' },
      ['spiffe example.org'],
    ],
    ['a trust domain ID, refused at verification', { sub: 'spiffe://example.org' }, ['spiffe example.org']],
    ['a bad path, refused at verification', { sub: 'spiffe://example.org/a//b' }, ['spiffe example.org']],
    ['an invalid trust domain', { sub: 'spiffe://Example.org/a' }, []],
    ['a port', { sub: 'spiffe://example.org:8443/a' }, []],
    ['a Kubernetes subject', { sub: 'system:serviceaccount:payments:deployer' }, []],
    ['an uppercase scheme', { sub: 'SPIFFE://example.org/a' }, []],
    ['no sub', { iss: 'spiffe://example.org' }, []],
    ['a numeric sub', { sub: 7 }, []],
    ['a credential that is not a JWT', undefined, []],
  ])('locates %s', (_name, claims, routes) => {
    expect(spiffeAdapter.locate(credentialWith(claims))).toEqual(routes);
  });
});

describe('spiffeAdapter.keySource', () => {
  const loaded = (overrides: Partial<PlatformConfig>): PlatformConfig => ({
    ...base,
    id: 'p',
    version: 1,
    ...overrides,
  });

  it.each<[string, Partial<PlatformConfig>, Record<string, unknown>]>([
    [
      'the bundle endpoint, with the CA bundle',
      { caBundle: 'PEM' },
      { type: 'spiffe-bundle', url: BUNDLE_URL, caBundle: 'PEM' },
    ],
    [
      "a static bundle's jwt-svid keys only, as signature keys",
      { jwks: BUNDLE, ...withSettings({}) },
      { type: 'inline', jwks: { keys: [{ ...EC, kid: 'jwt-1', use: 'sig' }] } },
    ],
    [
      'a plain JWK Set as given',
      { jwks: { keys: [{ ...EC, kid: 'k' }] }, ...withSettings({}) },
      { type: 'inline', jwks: { keys: [{ ...EC, kid: 'k' }] } },
    ],
    [
      'a jwksUri',
      { jwksUri: 'https://oidc.example.org/keys', ...withSettings({}) },
      { type: 'jwks-uri', url: 'https://oidc.example.org/keys' },
    ],
    [
      'OIDC discovery at an https issuer',
      { issuer: 'https://oidc.example.org', ...withSettings({}) },
      { type: 'oidc-discovery', issuer: 'https://oidc.example.org' },
    ],
  ])('reads %s', (_name, overrides, source) => {
    expect(spiffeAdapter.keySource(loaded(overrides))).toMatchObject(source);
  });

  it('works the source out once per loaded platform', () => {
    const platform = loaded({ jwks: BUNDLE, ...withSettings({}) });
    expect(spiffeAdapter.keySource(platform)).toBe(spiffeAdapter.keySource(platform));
  });
});
