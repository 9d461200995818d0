import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PresentedCredential } from '../credential/presented-credential';
import { VerificationError } from '../errors/verification-error';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { JWT_TOKEN_TYPES } from '../registry/adapter-registry';
import { azureAdapter } from './azure.adapter';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure-token-types';

const TENANT = '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03';
const SUBSCRIPTION = '7d3e1a9c-5b2f-4c8d-a1e6-9f0b2c3d4e5a';
const V1 = `https://sts.windows.net/${TENANT}/`;
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const [JWT_TYPE = ''] = JWT_TOKEN_TYPES;

const attestedFixture = JSON.parse(
  readFileSync(join(__dirname, '../../../../test/fixtures/real/azure-imds-attested-2021.json'), 'utf8'),
) as { pkcs7: string; certificates: string[] };
const IMDS_CERTIFICATE = attestedFixture.certificates[0] ?? '';

const base: PlatformRegistration = {
  name: 'contoso',
  kind: 'azure',
  issuer: V1,
  audiences: ['api://fedbroker'],
  clockSkewSeconds: 60,
  settings: { tenantId: TENANT },
  enabled: true,
};

describe('azureAdapter.settingsSchema', () => {
  it.each([
    [{ tenantId: TENANT }, true],
    [{ tenantId: TENANT, maxTokenLifetimeSeconds: 3600 }, true],
    [{ tenantId: TENANT, maxTokenLifetimeSeconds: 90_000 }, true],
    [{ tenantId: TENANT, attestedDocuments: { trustAnchors: [IMDS_CERTIFICATE] } }, true],
    [
      {
        tenantId: TENANT,
        attestedDocuments: {
          trustAnchors: [IMDS_CERTIFICATE],
          intermediates: [IMDS_CERTIFICATE],
          signerNames: ['metadata.azure.us'],
          subscriptionIds: [SUBSCRIPTION],
          maxAgeSeconds: 60,
        },
      },
      true,
    ],
    [{}, false],
    [{ tenantId: TENANT.toUpperCase() }, false],
    [{ tenantId: 'contoso.onmicrosoft.com' }, false],
    [{ tenantId: TENANT, maxTokenLifetimeSeconds: 90_001 }, false],
    [{ tenantId: TENANT, maxTokenLifetimeSeconds: 59 }, false],
    [{ tenantId: TENANT, maxTokenLifetimeSeconds: '3600' }, false],
    [{ tenantId: TENANT, trustDomain: 'example.org' }, false],
    [{ tenantId: TENANT, attestedDocuments: {} }, false],
    [{ tenantId: TENANT, attestedDocuments: { trustAnchors: [] } }, false],
    [{ tenantId: TENANT, attestedDocuments: { trustAnchors: ['not a certificate'] } }, false],
    [
      { tenantId: TENANT, attestedDocuments: { trustAnchors: [`${IMDS_CERTIFICATE}${IMDS_CERTIFICATE}`] } },
      false,
    ],
    [
      {
        tenantId: TENANT,
        attestedDocuments: { trustAnchors: [IMDS_CERTIFICATE], signerNames: ['*.metadata.azure.com'] },
      },
      false,
    ],
    [
      {
        tenantId: TENANT,
        attestedDocuments: {
          trustAnchors: [IMDS_CERTIFICATE],
          subscriptionIds: [SUBSCRIPTION, SUBSCRIPTION],
        },
      },
      false,
    ],
    [
      { tenantId: TENANT, attestedDocuments: { trustAnchors: [IMDS_CERTIFICATE], maxAgeSeconds: 3601 } },
      false,
    ],
    [{ tenantId: TENANT, attestedDocuments: { trustAnchors: [IMDS_CERTIFICATE], nonce: 'none' } }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(azureAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });

  it('fills the defaults: 300 s, metadata.azure.com, no intermediates', () => {
    const parsed = azureAdapter.settingsSchema.parse({
      tenantId: TENANT,
      attestedDocuments: { trustAnchors: [IMDS_CERTIFICATE] },
    });
    expect(parsed.attestedDocuments).toEqual({
      trustAnchors: [IMDS_CERTIFICATE],
      intermediates: [],
      signerNames: ['metadata.azure.com'],
      maxAgeSeconds: 300,
    });
    expect(azureAdapter.defaultMaxCredentialAgeSeconds).toBe(90_000);
  });
});

describe('azureAdapter.registrationProblems', () => {
  const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
  it.each([
    ['the v1 issuer of the tenant', {}, false, []],
    ['the v2 issuer of the tenant', { issuer: V2 }, false, []],
    [
      'a national-cloud v2 issuer (keys on its host)',
      { issuer: `https://login.microsoftonline.us/${TENANT}/v2.0` },
      false,
      [],
    ],
    [
      'a national-cloud v1 issuer with a jwksUri',
      {
        issuer: `https://sts.chinacloudapi.cn/${TENANT}/`,
        jwksUri: 'https://login.chinacloudapi.cn/common/discovery/v2.0/keys',
      },
      false,
      [],
    ],
    ['inline jwks', { jwks }, false, []],
    ['a loopback v2 issuer (a lab)', { issuer: `http://127.0.0.1:8443/${TENANT}/v2.0` }, false, []],
    [
      'a national-cloud v1 issuer without keys',
      { issuer: `https://sts.chinacloudapi.cn/${TENANT}/` },
      false,
      ['jwksUri'],
    ],
    [
      'another tenant',
      { issuer: 'https://sts.windows.net/e8d7c6b5-a4f3-4e2d-9c1b-0a9f8e7d6c5b/' },
      false,
      ['issuer'],
    ],
    ['the tenant in upper case', { issuer: V1.toUpperCase().replace('HTTPS', 'https') }, false, ['issuer']],
    ['the v1 form without its trailing slash', { issuer: V1.slice(0, -1) }, false, ['issuer']],
    [
      'the v1 path on the v2 host',
      { issuer: `https://login.microsoftonline.com/${TENANT}/` },
      false,
      ['issuer'],
    ],
    ['the v2 path on the v1 host', { issuer: `https://sts.windows.net/${TENANT}/v2.0` }, false, ['issuer']],
    [
      'a tenant by domain name',
      { issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0' },
      false,
      ['issuer'],
    ],
    ['the common endpoint', { issuer: 'https://login.microsoftonline.com/common/v2.0' }, false, ['issuer']],
    ['an http issuer off loopback', { issuer: `http://login.example/${TENANT}/v2.0` }, false, ['issuer']],
    ['a non-URL issuer, even with jwks', { issuer: 'azure', jwks }, false, ['issuer']],
    [
      'both jwks and jwksUri',
      { jwks, jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys' },
      false,
      ['jwksUri'],
    ],
    ['no audiences', { audiences: [] }, false, ['audiences']],
  ] as [string, Partial<PlatformRegistration>, boolean, string[]][])(
    '%s',
    (_name, overrides, allowHttp, fields) => {
      const problems = azureAdapter.registrationProblems({ ...base, ...overrides }, allowHttp);
      expect(problems.map((p) => p.field)).toEqual(fields);
    },
  );

  it('leaves invalid settings to the schema', () => {
    expect(azureAdapter.registrationProblems({ ...base, settings: { tenantId: 'x' } }, false)).toEqual([]);
  });
});

describe('azureAdapter routing', () => {
  const attested = (subscriptionIds?: string[]) => ({
    ...base,
    settings: {
      tenantId: TENANT,
      attestedDocuments: {
        trustAnchors: [IMDS_CERTIFICATE],
        ...(subscriptionIds ? { subscriptionIds } : {}),
      },
    },
  });

  it.each([
    ['a tenant', base, [`azure ${TENANT}`]],
    [
      'a tenant taking attested documents of any subscription',
      attested(),
      [`azure ${TENANT}`, 'azure attested-document any'],
    ],
    [
      'a tenant taking attested documents of two subscriptions',
      attested([SUBSCRIPTION, 'f00dfeed-0000-4000-8000-000000000000']),
      [
        `azure ${TENANT}`,
        `azure attested-document subscription ${SUBSCRIPTION}`,
        'azure attested-document subscription f00dfeed-0000-4000-8000-000000000000',
      ],
    ],
    ['invalid settings', { ...base, settings: {} }, []],
  ])('%s answers to its route keys', (_name, platform, routes) => {
    expect(azureAdapter.routeKeys(platform)).toEqual(routes);
  });

  const jwt = (claims: Record<string, unknown>): PresentedCredential => ({
    token: 'unused',
    type: JWT_TYPE,
    jwt: { header: { alg: 'RS256' }, claims },
  });
  const realDocument = (): PresentedCredential => ({
    token: JSON.stringify({ encoding: 'pkcs7', signature: attestedFixture.pkcs7 }),
    type: AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE,
    jwt: undefined,
  });

  it.each([
    ['a v1 token', jwt({ iss: V1, tid: TENANT }), [`azure ${TENANT}`]],
    ['a v2 token', jwt({ iss: V2, tid: TENANT }), [`azure ${TENANT}`]],
    ['a tid in upper case', jwt({ iss: V1, tid: TENANT.toUpperCase() }), [`azure ${TENANT}`]],
    ['a token whose tid is not its issuer tenant', jwt({ iss: V1, tid: SUBSCRIPTION }), []],
    ['a token without tid (another kind with a GUID in its issuer)', jwt({ iss: V1 }), []],
    ['a Kubernetes token', jwt({ iss: 'https://kubernetes.default.svc.cluster.local', tid: TENANT }), []],
    ['a token without iss', jwt({ tid: TENANT }), []],
    [
      'an attested document without subscription (the real 2021 one)',
      realDocument(),
      ['azure attested-document any'],
    ],
  ])('locates %s', (_name, credential, routes) => {
    expect(azureAdapter.locate(credential)).toEqual(routes);
  });

  it('refuses to locate an attested document it cannot read', () => {
    const credential = {
      token: '{"encoding":"pkcs7"}',
      type: AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE,
      jwt: undefined,
    };
    expect(() => azureAdapter.locate(credential)).toThrow(VerificationError);
    expect(() => azureAdapter.locate(credential)).toThrow(/"encoding": "pkcs7"/);
  });
});

describe('azureAdapter.keySource', () => {
  const platform = (overrides: Partial<PlatformConfig>): PlatformConfig => ({
    ...base,
    id: 'p',
    version: 1,
    ...overrides,
  });
  const common = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';

  it.each([
    ['the v1 issuer: the common key set', {}, { type: 'jwks-uri', url: common }],
    ['the v2 issuer: the common key set', { issuer: V2 }, { type: 'jwks-uri', url: common }],
    [
      'a national-cloud v2 issuer: that cloud common key set',
      { issuer: `https://login.microsoftonline.us/${TENANT}/v2.0` },
      { type: 'jwks-uri', url: 'https://login.microsoftonline.us/common/discovery/v2.0/keys' },
    ],
    [
      'a jwksUri: that URI',
      { jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys?appid=x` },
      { type: 'jwks-uri', url: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys?appid=x` },
    ],
    ['inline jwks', { jwks: { keys: [] } }, { type: 'inline', jwks: { keys: [] } }],
  ] as [string, Partial<PlatformConfig>, object][])('%s', (_name, overrides, source) => {
    expect(azureAdapter.keySource(platform(overrides))).toMatchObject(source);
  });
});
