import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsPlatform,
  decideAws,
  refusalOf,
  undeclaredFields,
} from '../../../../../test/support/aws/decide-aws';
import {
  startFakeAws,
  type FakeAws,
  type WebIdentityTokenRequest,
} from '../../../../../test/support/fake-aws';
import { KeyResolver } from '../../keys/key-resolver';
import { presentCredential } from '../../credential/present-credential';
import { unsignedToken } from '../../testing/signing-key';
import { AwsAdapter } from '../aws.adapter';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const AUDIENCE = 'https://broker.example/token';
const NOW = new Date('2026-01-15T10:00:00Z');
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

describe('AWS GetWebIdentityToken JWTs, from a fake outbound identity federation issuer', () => {
  const clock = { now: () => NOW };
  const adapter = new AwsAdapter({ fetch: (input, init) => fetch(input, init) });
  const keys = new KeyResolver({ now: () => NOW.getTime() });
  let aws: FakeAws;

  beforeAll(async () => {
    aws = await startFakeAws({ clock, accounts: [ACCOUNT, OTHER_ACCOUNT] });
  });
  afterAll(() => aws.close());

  const issuer = () => aws.account(ACCOUNT).webIdentity;
  const platform = (settings: Record<string, unknown> = {}) =>
    awsPlatform({ issuer: issuer().issuer, settings: { accountId: ACCOUNT, ...settings } });
  const mint = (request: Partial<WebIdentityTokenRequest> = {}) =>
    issuer().mint({ roleName: 'deployer', audience: AUDIENCE, ...request });
  const decide = (token: string, settings?: Record<string, unknown>) =>
    decideAws(adapter, platform(settings), token, JWT, { now: NOW, keys });

  it('finds the keys by OIDC discovery and normalizes the claims', async () => {
    const token = await mint({ tags: { 'job-id': 'job-2024-001' } });
    const verified = await decide(token);
    const iat = NOW.getTime() / 1000;
    expect(verified.identity).toEqual({
      platform: 'prod-account',
      kind: 'aws',
      issuer: issuer().issuer,
      subject: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      audience: [AUDIENCE],
      tokenId: verified.tokenId,
      issuedAt: iat,
      expiresAt: iat + 300,
      credentialType: 'web-identity-token',
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      principalType: 'role',
      roleName: 'deployer',
      orgId: 'o-a1b2c3d4e5',
      ouPath: 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111110/',
      sourceRegion: 'us-east-1',
      principalTags: { team: 'payments', environment: 'production' },
      requestTags: { 'job-id': 'job-2024-001' },
    });
    expect(verified.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(verified.replayKey).toBe(`jti ${issuer().issuer} ${verified.tokenId}`);
    expect(issuer().requests).toEqual({ discovery: 1, jwks: 1 });
    expect(undeclaredFields(verified.identity, adapter)).toEqual([]);
  });

  it.each<[string, Partial<WebIdentityTokenRequest>, Record<string, unknown>]>([
    ['an ES384 token', { signingAlgorithm: 'ES384' }, { principalType: 'role' }],
    ['the longest duration, one hour', { durationSeconds: 3600 }, { expiresAt: NOW.getTime() / 1000 + 3600 }],
    ['one accepted audience among several', { audience: ['https://api.example', AUDIENCE] }, {}],
    ['a role with a path', { roleName: 'service-role/deployer' }, { roleName: 'deployer' }],
    [
      'a token from an EC2 instance session',
      { aws: { ec2_source_instance_arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0b02d936754a6d637` } },
      { instanceId: 'i-0b02d936754a6d637' },
    ],
  ])('accepts %s', async (_name, request, fields) => {
    const { identity } = await decide(await mint(request));
    expect(identity).toMatchObject(fields);
  });

  it('leaves out the fields the token does not carry', async () => {
    const token = await mint({
      aws: { org_id: undefined, ou_path: undefined, principal_tags: undefined, source_region: '' },
      claims: { jti: undefined },
    });
    const verified = await decide(token);
    for (const field of [
      'orgId',
      'ouPath',
      'principalTags',
      'requestTags',
      'sourceRegion',
      'tokenId',
      'instanceId',
    ]) {
      expect(verified.identity).not.toHaveProperty(field);
    }
    expect(verified.replayKey).toMatch(/^sha256 /);
  });

  type Case = [
    name: string,
    token: () => Promise<string>,
    settings: Record<string, unknown>,
    code: string,
    words: string,
  ];
  const aws_ = (claims: Record<string, unknown>) => () => mint({ aws: claims });
  const cases: Case[] = [
    ['a lifetime over one hour', () => mint({ durationSeconds: 3601 }), {}, 'lifetime_too_long', 'lifetime'],
    [
      'a lifetime over a tightened cap',
      () => mint({ durationSeconds: 900 }),
      { maxTokenLifetimeSeconds: 300 },
      'lifetime_too_long',
      'lifetime',
    ],
    [
      'an expired token',
      () => mint({ claims: { iat: NOW.getTime() / 1000 - 900, exp: NOW.getTime() / 1000 - 61 } }),
      {},
      'expired',
      'expired',
    ],
    [
      'another audience',
      () => mint({ audience: 'https://api.openai.com/v1' }),
      {},
      'audience_mismatch',
      'audience',
    ],
    [
      'an algorithm GetWebIdentityToken does not use',
      async () =>
        unsignedToken(
          { alg: 'PS256', kid: 'RSA_0' },
          JSON.parse(Buffer.from((await mint()).split('.')[1] ?? '', 'base64url').toString()) as Record<
            string,
            unknown
          >,
          'c2ln',
        ),
      {},
      'algorithm_not_allowed',
      'algorithm',
    ],
    [
      'a forged signature under the published kid',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const claims = JSON.parse(
          Buffer.from((await mint()).split('.')[1] ?? '', 'base64url').toString(),
        ) as Record<string, unknown>;
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'RSA_0' }).sign(privateKey);
      },
      {},
      'signature_invalid',
      'signature',
    ],
    [
      'no AWS claims',
      () => mint({ claims: { 'https://sts.amazonaws.com/': undefined } }),
      {},
      'missing_claim',
      'https://sts.amazonaws.com/',
    ],
    ['no account', aws_({ aws_account: undefined }), {}, 'missing_claim', 'aws_account'],
    ['a numeric account', aws_({ aws_account: 111122223333 }), {}, 'claim_invalid', 'aws_account'],
    ['another account than the platform', aws_({ aws_account: OTHER_ACCOUNT }), {}, 'claim_invalid', 'sub'],
    [
      'a sub in another account than aws_account',
      () => mint({ claims: { sub: `arn:aws:iam::${OTHER_ACCOUNT}:role/deployer` } }),
      {},
      'claim_invalid',
      'another account',
    ],
    [
      'an account that is not the platform account',
      () =>
        mint({
          claims: { sub: `arn:aws:iam::${OTHER_ACCOUNT}:role/deployer` },
          aws: { aws_account: OTHER_ACCOUNT },
        }),
      {},
      'claim_invalid',
      `account ${OTHER_ACCOUNT}`,
    ],
    [
      'a sub that is not an ARN',
      () => mint({ claims: { sub: 'deployer' } }),
      {},
      'claim_invalid',
      'principal ARN',
    ],
    ['no sub', () => mint({ claims: { sub: undefined } }), {}, 'missing_claim', 'sub'],
    [
      'principal tags that are not a map',
      aws_({ principal_tags: ['team'] }),
      {},
      'claim_invalid',
      'principal_tags',
    ],
    [
      'an instance ARN that is not one',
      aws_({ ec2_source_instance_arn: 'i-0b02d936754a6d637' }),
      {},
      'claim_invalid',
      'ec2_source_instance_arn',
    ],
    [
      'a platform that does not accept web identity tokens',
      () => mint(),
      { credentials: ['caller-identity'] },
      'issuer_not_trusted',
      'no route',
    ],
    [
      "another account's issuer",
      () => aws.account(OTHER_ACCOUNT).webIdentity.mint({ roleName: 'deployer', audience: AUDIENCE }),
      {},
      'issuer_not_trusted',
      'no route',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, token, settings, code, words) => {
    const refusal = await refusalOf(decide(await token(), settings));
    expect(refusal).toMatchObject({ code, message: expect.stringContaining(words) as unknown });
  });

  it('refuses a token verified directly by a platform that does not accept web identity tokens', async () => {
    const credential = presentCredential(await mint(), JWT, true);
    const refusal = await refusalOf(
      adapter.verify(credential, platform({ credentials: ['caller-identity'] }), {
        now: NOW,
        keys,
        allowHttp: false,
      }),
    );
    expect(refusal).toMatchObject({
      code: 'issuer_not_trusted',
      message: expect.stringContaining('web-identity-token') as unknown,
    });
  });
});
