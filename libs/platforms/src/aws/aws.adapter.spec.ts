import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../registry/adapter-registry';
import type { PlatformRegistration } from '../platform-config';
import { AWS4_REQUEST_TOKEN_TYPE, INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE } from './aws-credential-forms';
import { DEFAULT_AWS_REGION_CERTIFICATES } from './aws-region-certificates';
import { AwsAdapter } from './aws.adapter';
import { parsePrincipalArn } from './aws-principal-arn';

const ACCOUNT = '111122223333';
const ISSUER = 'https://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.tokens.sts.global.api.aws';
const PEM = DEFAULT_AWS_REGION_CERTIFICATES['us-west-2']?.[0] ?? '';
const adapter = new AwsAdapter();

function registration(overrides: Partial<PlatformRegistration> = {}): PlatformRegistration {
  return {
    name: 'prod-account',
    kind: 'aws',
    issuer: ISSUER,
    audiences: ['https://broker.example/token'],
    clockSkewSeconds: 60,
    settings: { accountId: ACCOUNT },
    enabled: true,
    ...overrides,
  };
}

describe('AwsAdapter', () => {
  it('accepts JWTs and its own two token types, alongside the other kinds', () => {
    const registry = new AdapterRegistry([adapter]);
    expect(registry.forTokenType(AWS4_REQUEST_TOKEN_TYPE)).toEqual([adapter]);
    expect(registry.forTokenType(INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE)).toEqual([adapter]);
    expect(registry.forTokenType('urn:ietf:params:oauth:token-type:jwt')).toEqual([adapter]);
    expect(adapter.defaultMaxCredentialAgeSeconds).toBe(3600);
    expect(adapter.identityFields).toMatchObject({
      accountId: 'string',
      principalTags: 'map',
      instanceId: 'string',
    });
  });
});

describe('AwsAdapter.settingsSchema', () => {
  it('defaults to web identity tokens and signed requests, documents only when listed', () => {
    expect(adapter.settingsSchema.parse({ accountId: ACCOUNT })).toEqual({
      accountId: ACCOUNT,
      credentials: ['web-identity-token', 'caller-identity'],
    });
  });

  it.each([
    [{ accountId: ACCOUNT, credentials: ['instance-identity-document'] }, true],
    [
      {
        accountId: ACCOUNT,
        maxTokenLifetimeSeconds: 300,
        maxRequestAgeSeconds: 60,
        maxDocumentAgeSeconds: 3600,
      },
      true,
    ],
    [
      {
        accountId: ACCOUNT,
        regionCertificates: { 'ap-southeast-2': PEM, 'us-gov-west-1': `${PEM}\n${PEM}` },
      },
      true,
    ],
    [{}, false],
    [{ accountId: 111122223333 }, false],
    [{ accountId: '1111-2222-3333' }, false],
    [{ accountId: ACCOUNT, credentials: [] }, false],
    [{ accountId: ACCOUNT, credentials: ['caller-identity', 'caller-identity'] }, false],
    [{ accountId: ACCOUNT, credentials: ['session-token'] }, false],
    [{ accountId: ACCOUNT, maxTokenLifetimeSeconds: 3601 }, false],
    [{ accountId: ACCOUNT, maxRequestAgeSeconds: 901 }, false],
    [{ accountId: ACCOUNT, maxDocumentAgeSeconds: 3601 }, false],
    [{ accountId: ACCOUNT, maxDocumentAgeSeconds: 0 }, false],
    [{ accountId: ACCOUNT, regionCertificates: { 'US-EAST-1': PEM } }, false],
    [{ accountId: ACCOUNT, regionCertificates: { 'us-east-1': 'not a certificate' } }, false],
    [{ accountId: ACCOUNT, regionCertificates: { 'us-east-1': PEM.replace('MII', 'MIX') } }, false],
    [{ accountId: ACCOUNT, trustDomain: 'example.org' }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(adapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });
});

describe('AwsAdapter.registrationProblems', () => {
  const documentsOnly = { accountId: ACCOUNT, credentials: ['instance-identity-document'] };
  it.each<[string, Partial<PlatformRegistration>, boolean, string[]]>([
    ['the outbound federation issuer, keys by discovery', {}, false, []],
    [
      'inline keys',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'EC384_0' }] } },
      false,
      [],
    ],
    ['an http loopback issuer', { issuer: 'http://127.0.0.1:8443' }, false, []],
    [
      'a label issuer when no JWT is accepted',
      { issuer: `aws:${ACCOUNT}`, settings: documentsOnly },
      false,
      [],
    ],
    ['a label issuer when JWTs are accepted', { issuer: `aws:${ACCOUNT}` }, false, ['issuer']],
    ['an http issuer on another host', { issuer: 'http://issuer.example' }, false, ['issuer']],
    [
      'keys when no JWT is accepted',
      { issuer: `aws:${ACCOUNT}`, jwksUri: 'https://k.example/jwks', settings: documentsOnly },
      false,
      ['jwksUri'],
    ],
    [
      'an issuer with spaces when no JWT is accepted',
      { issuer: ' aws ', settings: documentsOnly },
      false,
      ['issuer'],
    ],
    ['no audiences', { audiences: [] }, false, ['audiences']],
    ['no audiences, documents only', { audiences: [], settings: documentsOnly }, false, ['audiences']],
    ['a clock skew over 5 minutes', { clockSkewSeconds: 301 }, false, ['clockSkewSeconds']],
  ])('%s', (_name, overrides, allowHttp, fields) => {
    expect(adapter.registrationProblems(registration(overrides), allowHttp).map((p) => p.field)).toEqual(
      fields,
    );
  });
});

describe('AwsAdapter.routeKeys', () => {
  it.each<[string, string[], string[]]>([
    [
      'the default credentials',
      ['web-identity-token', 'caller-identity'],
      [`iss ${ISSUER}`, `aws ${ACCOUNT}`],
    ],
    ['web identity tokens only', ['web-identity-token'], [`iss ${ISSUER}`]],
    ['signed requests only', ['caller-identity'], [`aws ${ACCOUNT}`]],
    ['documents only', ['instance-identity-document'], [`aws ${ACCOUNT}`]],
  ])('%s: %j', (_name, credentials, routes) => {
    expect(adapter.routeKeys(registration({ settings: { accountId: ACCOUNT, credentials } }))).toEqual(
      routes,
    );
  });

  it('has no route for settings that do not parse (the write is refused anyway)', () => {
    expect(adapter.routeKeys(registration({ settings: {} }))).toEqual([]);
  });
});

describe('AwsAdapter.keySource', () => {
  const config = (settings: Record<string, unknown>) => ({
    ...registration({ settings }),
    id: 'p',
    version: 1,
  });

  it('reports OIDC discovery at the issuer when web identity tokens are accepted', () => {
    expect(adapter.keySource(config({ accountId: ACCOUNT }))).toEqual({
      type: 'oidc-discovery',
      issuer: ISSUER,
    });
  });

  it('reports every region certificate otherwise, the configured ones replacing the shipped', () => {
    const source = adapter.keySource(
      config({
        accountId: ACCOUNT,
        credentials: ['caller-identity'],
        regionCertificates: { 'us-east-1': PEM, 'eu-west-1': PEM },
      }),
    );
    expect(source).toMatchObject({ type: 'certificates' });
    expect(source.type === 'certificates' && source.pems).toEqual([
      PEM,
      PEM,
      DEFAULT_AWS_REGION_CERTIFICATES['us-west-1']?.[0],
      PEM,
    ]);
  });
});

describe('parsePrincipalArn', () => {
  it.each([
    [`arn:aws:iam::${ACCOUNT}:role/deployer`, { principalType: 'role', roleName: 'deployer' }],
    [
      `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_Admin_c957`,
      { principalType: 'role', roleName: 'AWSReservedSSO_Admin_c957' },
    ],
    [
      `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/i-0b02d936754a6d637`,
      { principalType: 'assumed-role', roleName: 'deployer', sessionName: 'i-0b02d936754a6d637' },
    ],
    [`arn:aws:iam::${ACCOUNT}:user/ci/build-bot`, { principalType: 'user' }],
    [`arn:aws:iam::${ACCOUNT}:root`, { principalType: 'root' }],
    [`arn:aws:sts::${ACCOUNT}:federated-user/alice`, { principalType: 'federated-user' }],
    [`arn:aws-us-gov:iam::${ACCOUNT}:role/deployer`, { principalType: 'role', roleName: 'deployer' }],
  ])('%s', (arn, expected) => {
    expect(parsePrincipalArn(arn)).toEqual({ accountId: ACCOUNT, ...expected });
  });

  it.each([
    'deployer',
    `arn:aws:s3:::bucket`,
    `arn:aws:iam::12345:role/x`,
    `arn:aws:iam::${ACCOUNT}:role/x//y`,
  ])('refuses %s', (arn) => {
    expect(parsePrincipalArn(arn)).toBeUndefined();
  });
});
