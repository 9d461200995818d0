import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  awsPlatform,
  decideAws,
  refusalOf,
  undeclaredFields,
} from '../../../../../test/support/aws/decide-aws';
import {
  startFakeAws,
  type CallerIdentityOptions,
  type FakeAws,
  type FakeStsMode,
  type SerializedSignedRequest,
} from '../../../../../test/support/fake-aws';
import { AWS4_REQUEST_TOKEN_TYPE } from '../aws-credential-forms';
import { AwsAdapter } from '../aws.adapter';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const AUDIENCE = 'https://broker.example/token';
const NOW = new Date('2026-01-15T10:00:00Z');
const CLOSED_PORT = 'http://127.0.0.1:9';

describe('AWS signed GetCallerIdentity requests, against a fake STS', () => {
  const clock = { now: () => NOW };
  let aws: FakeAws;
  let adapter: AwsAdapter;

  beforeAll(async () => {
    aws = await startFakeAws({ clock, accounts: [ACCOUNT, OTHER_ACCOUNT] });
    adapter = new AwsAdapter({ stsEndpoints: [aws.sts.endpoint, CLOSED_PORT], stsTimeoutMs: 200 });
  });
  afterEach(() => {
    aws.sts.mode = 'ok';
  });
  afterAll(() => aws.close());

  const platform = (settings: Record<string, unknown> = {}) =>
    awsPlatform({ settings: { accountId: ACCOUNT, ...settings } });
  const decide = (token: string, settings?: Record<string, unknown>) =>
    decideAws(adapter, platform(settings), token, AWS4_REQUEST_TOKEN_TYPE, { now: NOW });
  const deployer = () => aws.account(ACCOUNT).assumeRole('deployer', 'ci-run-42');
  /** `audience` null: no audience header at all. */
  const signed = (options: CallerIdentityOptions = {}, audience: string | null = AUDIENCE) =>
    aws.callerIdentityToken(deployer(), audience ?? undefined, options);
  const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
  const withHeader = (key: string, value: string) => (request: SerializedSignedRequest) => ({
    ...request,
    headers: [...request.headers, { key, value }],
  });

  it('accepts a role session: STS says who signed, once for locate and verify', async () => {
    const before = aws.sts.requests.getCallerIdentity;
    const verified = await decide(await signed({ signedAt: secondsBefore(30) }));
    expect(aws.sts.requests.getCallerIdentity).toBe(before + 1);
    const signedAt = NOW.getTime() / 1000 - 30;
    const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run-42`;
    expect(verified.identity).toEqual({
      platform: 'prod-account',
      kind: 'aws',
      issuer: 'https://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.tokens.sts.global.api.aws',
      subject: arn,
      audience: [AUDIENCE],
      issuedAt: signedAt,
      expiresAt: signedAt + 900,
      credentialType: 'caller-identity',
      accountId: ACCOUNT,
      arn,
      principalType: 'assumed-role',
      roleName: 'deployer',
      sessionName: 'ci-run-42',
      principalId: aws.account(ACCOUNT).roleId('deployer'),
      sourceRegion: 'us-east-1',
    });
    expect(verified.claims).toEqual({
      Account: ACCOUNT,
      Arn: arn,
      UserId: `${aws.account(ACCOUNT).roleId('deployer')}:ci-run-42`,
    });
    expect(verified.replayKey).toMatch(/^sha256 /);
    expect(undeclaredFields(verified.identity, adapter)).toEqual([]);
  });

  it('accepts an IAM user, with its unique ID and no role', async () => {
    const user = aws.account(ACCOUNT).createUser('build-bot');
    const { identity } = await decide(await aws.callerIdentityToken(user, AUDIENCE));
    expect(identity).toMatchObject({ principalType: 'user', arn: `arn:aws:iam::${ACCOUNT}:user/build-bot` });
    expect(identity.principalId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(identity).not.toHaveProperty('roleName');
  });

  it.each<[string, () => Promise<string>, Record<string, unknown>]>([
    ['Action and Version in a form body', () => signed({ formBody: true }), {}],
    ['a plain (not URL-encoded) serialized request', async () => decodeURIComponent(await signed()), {}],
    ['a request signed for a regional scope', () => signed({ region: 'eu-west-1' }), {}],
    ['a request signed 15 minutes ago', () => signed({ signedAt: secondsBefore(899) }), {}],
    ['a request dated within the clock skew ahead', () => signed({ signedAt: secondsBefore(-59) }), {}],
    [
      'a request within a tightened age',
      () => signed({ signedAt: secondsBefore(60) }),
      { maxRequestAgeSeconds: 60 },
    ],
  ])('accepts %s', async (_name, token, settings) => {
    await expect(decide(await token(), settings)).resolves.toBeDefined();
  });

  it('reports the signing region as sourceRegion', async () => {
    const { identity } = await decide(await signed({ region: 'eu-west-1' }));
    expect(identity.sourceRegion).toBe('eu-west-1');
  });

  type Case = [
    name: string,
    token: () => Promise<string>,
    settings: Record<string, unknown>,
    code: string,
    words: string,
    reachesSts: boolean,
  ];
  const cases: Case[] = [
    ['not JSON', () => Promise.resolve('Action=GetCallerIdentity'), {}, 'malformed', 'not JSON', false],
    ['broken URL encoding', () => Promise.resolve('%7B%ZZ'), {}, 'malformed', 'URL-encoded', false],
    [
      'JSON that is not a serialized request',
      () => Promise.resolve(JSON.stringify({ url: 'https://sts.amazonaws.com/' })),
      {},
      'malformed',
      'serialized request',
      false,
    ],
    [
      'a GET request',
      () => signed({ tamper: (r) => ({ ...r, method: 'GET' }) }),
      {},
      'claim_invalid',
      'POST',
      false,
    ],
    [
      'an endpoint that is not allowed',
      () => signed({ endpoint: 'https://sts.attacker.example' }),
      {},
      'issuer_not_trusted',
      'allowed STS endpoint',
      false,
    ],
    [
      'another path',
      () => signed({ tamper: (r) => ({ ...r, url: r.url.replace('/?', '/other?') }) }),
      {},
      'claim_invalid',
      'path',
      false,
    ],
    [
      'another action',
      () => signed({ tamper: (r) => ({ ...r, url: r.url.replace('GetCallerIdentity', 'AssumeRole') }) }),
      {},
      'claim_invalid',
      'Action=GetCallerIdentity',
      false,
    ],
    [
      'an extra parameter',
      () => signed({ tamper: (r) => ({ ...r, url: `${r.url}&RoleArn=x` }) }),
      {},
      'claim_invalid',
      'Action=GetCallerIdentity',
      false,
    ],
    [
      'no Authorization header',
      () =>
        signed({ tamper: (r) => ({ ...r, headers: r.headers.filter((h) => h.key !== 'authorization') }) }),
      {},
      'malformed',
      'not signed',
      false,
    ],
    [
      'a signature for another service',
      () =>
        signed({
          tamper: (r) => ({
            ...r,
            headers: r.headers.map((h) =>
              h.key === 'authorization' ? { ...h, value: h.value.replace('/sts/', '/s3/') } : h,
            ),
          }),
        }),
      {},
      'claim_invalid',
      'sts service',
      false,
    ],
    ['no audience header', () => signed({}, null), {}, 'missing_claim', 'x-fedbroker-audience', false],
    [
      'an audience header added after signing',
      () => signed({ tamper: withHeader('x-fedbroker-audience', AUDIENCE) }, null),
      {},
      'claim_invalid',
      'x-fedbroker-audience header is not signed',
      false,
    ],
    [
      'a host header that is not the URL host',
      () =>
        signed({
          tamper: (r) => ({
            ...r,
            headers: r.headers.map((h) => (h.key === 'host' ? { ...h, value: 'sts.amazonaws.com' } : h)),
          }),
        }),
      {},
      'claim_invalid',
      'host',
      false,
    ],
    [
      'a repeated header',
      () => signed({ tamper: withHeader('X-Amz-Date', '20260115T100000Z') }),
      {},
      'malformed',
      'repeated',
      false,
    ],
    [
      'a hop-by-hop header',
      () => signed({ tamper: withHeader('transfer-encoding', 'chunked') }),
      {},
      'malformed',
      'transfer-encoding',
      false,
    ],
    [
      'an XML answer asked for',
      () => signed({ headers: { accept: 'text/xml' } }),
      {},
      'claim_invalid',
      'accept',
      false,
    ],
    [
      'a request signed 25 minutes ago',
      () => signed({ signedAt: secondsBefore(1500) }),
      {},
      'expired',
      'signed more than',
      false,
    ],
    [
      'a request STS finds expired (16 minutes)',
      () => signed({ signedAt: secondsBefore(960) }),
      {},
      'expired',
      'SignatureDoesNotMatch',
      true,
    ],
    [
      'an audience changed after signing',
      () =>
        signed({
          tamper: (r) => ({
            ...r,
            headers: r.headers.map((h) =>
              h.key === 'x-fedbroker-audience' ? { ...h, value: 'https://other.example' } : h,
            ),
          }),
        }),
      {},
      'signature_invalid',
      'SignatureDoesNotMatch',
      true,
    ],
    [
      'keys STS does not know',
      () => aws.callerIdentityToken({ ...deployer(), accessKeyId: 'ASIAUNKNOWNKEY000000' }, AUDIENCE),
      {},
      'signature_invalid',
      'InvalidClientTokenId',
      true,
    ],
    [
      'a request signed for another audience',
      () => signed({}, 'https://other-broker.example/token'),
      {},
      'audience_mismatch',
      'audience',
      true,
    ],
    [
      'a request older than the tightened age',
      () => signed({ signedAt: secondsBefore(200) }),
      { maxRequestAgeSeconds: 60 },
      'expired',
      '60 s',
      true,
    ],
    [
      'a request dated beyond the clock skew ahead',
      () => signed({ signedAt: secondsBefore(-120) }),
      {},
      'issued_in_future',
      'future',
      true,
    ],
    [
      'a request signed by another account',
      () => aws.callerIdentityToken(aws.account(OTHER_ACCOUNT).assumeRole('deployer'), AUDIENCE),
      {},
      'issuer_not_trusted',
      'no route',
      true,
    ],
    [
      'a platform that accepts only documents',
      () => signed(),
      { credentials: ['instance-identity-document'] },
      'issuer_not_trusted',
      'does not accept caller-identity',
      true,
    ],
  ];

  it.each(cases)('refuses %s', async (_name, token, settings, code, words, reachesSts) => {
    const presented = await token();
    const before = aws.sts.requests.getCallerIdentity;
    const refusal = await refusalOf(decide(presented, settings));
    expect(refusal).toMatchObject({ code, message: expect.stringContaining(words) as unknown });
    expect(aws.sts.requests.getCallerIdentity - before).toBe(reachesSts ? 1 : 0);
  });

  it.each<[FakeStsMode, string]>([
    ['down', 'HTTP 503'],
    ['throttled', 'HTTP 429'],
    ['hang', 'timed out after 200 ms'],
    ['redirect', 'HTTP 302'],
    ['not-json', 'other than JSON'],
    ['huge', 'more than 65536 bytes'],
  ])('reports STS %s as verifier_unavailable (retryable)', async (mode, words) => {
    const token = await signed();
    aws.sts.mode = mode;
    const refusal = await refusalOf(decide(token));
    expect(refusal).toMatchObject({
      code: 'verifier_unavailable',
      message: expect.stringContaining(words) as unknown,
    });
  });

  it('reports an STS that cannot be reached as verifier_unavailable', async () => {
    const token = await signed({ endpoint: CLOSED_PORT });
    const refusal = await refusalOf(decide(token));
    expect(refusal).toMatchObject({
      code: 'verifier_unavailable',
      message: expect.stringContaining('cannot be reached') as unknown,
    });
  });
});
