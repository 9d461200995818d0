import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsPlatform,
  decideAws,
  refusalOf,
  undeclaredFields,
} from '../../../../../test/support/aws/decide-aws';
import { fetchInstanceIdentity, startFakeAws, type FakeAws } from '../../../../../test/support/fake-aws';
import { INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE } from '../aws-credential-forms';
import { AwsAdapter } from '../aws.adapter';

const ACCOUNT = '111122223333';
const LAUNCH = new Date('2026-01-15T10:00:00Z');

describe('AWS instance identity documents, from a fake EC2 metadata service', () => {
  let current = LAUNCH.getTime();
  const clock = {
    now: () => new Date(current),
    set: (date: Date) => void (current = date.getTime()),
    advance: (seconds: number) => void (current += seconds * 1000),
  };
  const adapter = new AwsAdapter({
    fetch: () => Promise.reject(new Error('the network must not be reached')),
  });
  let aws: FakeAws;

  beforeAll(async () => {
    aws = await startFakeAws({
      clock,
      accounts: [ACCOUNT],
      regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
    });
  });
  afterAll(() => aws.close());

  const platform = (settings: Record<string, unknown> = {}) =>
    awsPlatform({
      settings: {
        accountId: ACCOUNT,
        credentials: ['instance-identity-document'],
        regionCertificates: { 'us-east-1': aws.ec2.regionCertificates['us-east-1'] },
        ...settings,
      },
    });

  /** Launches an instance at LAUNCH, fetches its identity, then moves the clock `afterSeconds`. */
  async function presented(
    form: 'signature' | 'pkcs7',
    instance: { region?: string; accountId?: string } = {},
    afterSeconds = 0,
  ): Promise<string> {
    clock.set(LAUNCH);
    aws.ec2.launch({ accountId: ACCOUNT, region: 'us-east-1', ...instance });
    const credential = await fetchInstanceIdentity(aws.ec2.endpoint, form);
    clock.advance(afterSeconds);
    return credential;
  }

  const decide = (token: string, settings?: Record<string, unknown>) =>
    decideAws(adapter, platform(settings), token, INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE, {
      now: clock.now(),
    });

  it.each(['signature', 'pkcs7'] as const)(
    'accepts the %s form and normalizes the document',
    async (form) => {
      const before = { ...aws.ec2.requests };
      const verified = await decide(await presented(form, {}, 30));
      const instance = verified.claims as { instanceId: string };
      const pendingTime = LAUNCH.getTime() / 1000;
      expect(verified.identity).toEqual({
        platform: 'prod-account',
        kind: 'aws',
        issuer: 'https://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.tokens.sts.global.api.aws',
        subject: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${instance.instanceId}`,
        audience: [],
        issuedAt: pendingTime,
        expiresAt: pendingTime + 600,
        credentialType: 'instance-identity-document',
        accountId: ACCOUNT,
        instanceId: instance.instanceId,
        region: 'us-east-1',
        availabilityZone: 'us-east-1a',
        imageId: 'ami-0c7217cdde317cfec',
        instanceType: 't3.micro',
        architecture: 'x86_64',
        privateIp: '172.31.17.154',
      });
      expect(verified).toMatchObject({
        expiresAt: pendingTime + 600,
        replayKey: expect.stringMatching(/^sha256 /) as unknown,
      });
      expect(verified.tokenId).toBeUndefined();
      expect(undeclaredFields(verified.identity, adapter)).toEqual([]);
      const served = form === 'pkcs7' ? { rsa2048: 1 } : { document: 1, signature: 1 };
      for (const [part, count] of Object.entries(served)) {
        expect(
          aws.ec2.requests[part as keyof typeof served] - (before[part as keyof typeof before] ?? 0),
        ).toBe(count);
      }
    },
  );

  it.each([
    ['at the end of the default 10 minutes (and the skew)', 660, {}],
    ['within a tightened window', 120, { maxDocumentAgeSeconds: 120 }],
    ['within a widened window', 3000, { maxDocumentAgeSeconds: 3600 }],
  ])('accepts a document %s', async (_name, afterSeconds, settings) => {
    await expect(decide(await presented('pkcs7', {}, afterSeconds), settings)).resolves.toBeDefined();
  });

  it('gives the same document the same replay key in both forms', async () => {
    clock.set(LAUNCH);
    aws.ec2.launch({ accountId: ACCOUNT, region: 'us-east-1' });
    const signature = await decide(await fetchInstanceIdentity(aws.ec2.endpoint, 'signature'));
    const pkcs7 = await decide(await fetchInstanceIdentity(aws.ec2.endpoint, 'pkcs7'));
    expect(signature.replayKey).toBe(pkcs7.replayKey);
  });

  type Case = [
    name: string,
    token: () => Promise<string>,
    settings: Record<string, unknown> | (() => Record<string, unknown>),
    code: string,
    words: string,
  ];
  const edit = async (form: 'signature' | 'pkcs7', change: (credential: Record<string, string>) => void) => {
    const credential = JSON.parse(await presented(form)) as Record<string, string>;
    change(credential);
    return JSON.stringify(credential);
  };
  const cases: Case[] = [
    ['a document older than 10 minutes', () => presented('signature', {}, 661), {}, 'expired', 'pendingTime'],
    [
      'a document older than the tightened window',
      () => presented('pkcs7', {}, 200),
      { maxDocumentAgeSeconds: 120 },
      'expired',
      '120 s',
    ],
    [
      'a pendingTime in the future',
      () => presented('signature', {}, -61),
      {},
      'issued_in_future',
      'pendingTime',
    ],
    [
      'a pkcs7 signing time in the future',
      () => presented('pkcs7', {}, -61),
      { maxDocumentAgeSeconds: 600 },
      'issued_in_future',
      'signing time',
    ],
    [
      'a platform that does not accept documents',
      () => presented('signature'),
      { credentials: ['caller-identity'] },
      'issuer_not_trusted',
      'does not accept instance-identity-document',
    ],
    [
      'another account',
      () => presented('signature', { accountId: '444455556666' }),
      {},
      'issuer_not_trusted',
      'no route',
    ],
    [
      'a changed document',
      () => edit('signature', (c) => (c.document = (c.document ?? '').replace('t3.micro', 't3.large'))),
      {},
      'signature_invalid',
      'does not verify',
    ],
    [
      'a trailing newline',
      () => edit('signature', (c) => (c.document = `${c.document ?? ''}\n`)),
      {},
      'signature_invalid',
      'does not verify',
    ],
    [
      "the shipped certificate of the region instead of the fake's",
      () => presented('signature'),
      { regionCertificates: {} },
      'signature_invalid',
      'does not verify',
    ],
    [
      "a pkcs7 checked with another region's certificate",
      () => presented('pkcs7'),
      () => ({ regionCertificates: { 'us-east-1': aws.ec2.regionCertificates['eu-west-1'] } }),
      'key_not_found',
      'signer certificate not found',
    ],
    [
      'a region without a certificate',
      () => presented('signature', { region: 'ap-south-1' }),
      {},
      'key_not_found',
      'ap-south-1',
    ],
    ['not JSON', () => Promise.resolve('document=x'), {}, 'malformed', 'not JSON'],
    ['both forms at once', () => edit('signature', (c) => (c.pkcs7 = 'MIIB')), {}, 'malformed', '{"pkcs7"}'],
    [
      'a signature that is not base64',
      () => edit('signature', (c) => (c.signature = 'not*base64')),
      {},
      'malformed',
      'base64',
    ],
    [
      'a pkcs7 that is not BER',
      () => edit('pkcs7', (c) => (c.pkcs7 = Buffer.from('garbage!').toString('base64'))),
      {},
      'malformed',
      'pkcs7',
    ],
    [
      'a document that is not JSON',
      () => edit('signature', (c) => (c.document = 'accountId=1')),
      {},
      'malformed',
      'not JSON',
    ],
    [
      'a document without instanceId',
      () =>
        edit('signature', (c) => (c.document = (c.document ?? '').replace(/"instanceId" : "[^"]+",\n/, ''))),
      {},
      'missing_claim',
      'instanceId',
    ],
    [
      'an availability zone of another region',
      () => edit('signature', (c) => (c.document = (c.document ?? '').replace('us-east-1a', 'eu-west-1a'))),
      {},
      'claim_invalid',
      'availabilityZone',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, token, settings, code, words) => {
    const refusal = await refusalOf(
      decide(await token(), typeof settings === 'function' ? settings() : settings),
    );
    expect(refusal).toMatchObject({ code, message: expect.stringContaining(words) as unknown });
  });
});
