import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsPlatform, decideAws, refusalOf } from '../../../../test/support/aws/decide-aws';
import { INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE } from './aws-credential-forms';
import { AwsAdapter } from './aws.adapter';

interface DocumentFixture {
  id: string;
  platform: string;
  format: 'aws-iid-signature' | 'aws-iid-pkcs7';
  document: string;
  signature?: string;
  pkcs7?: string;
  certificates: string[];
  region: string;
  now: number;
  expect: 'accept' | 'reject';
  claims: { accountId: string; instanceId: string; region: string };
}

const dir = join(__dirname, '../../../../test/fixtures/real');
const fixtures = readdirSync(dir)
  .filter((file) => file.startsWith('aws-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as DocumentFixture);
const byId = (id: string): DocumentFixture => {
  const fixture = fixtures.find((f) => f.id === id);
  if (fixture === undefined) throw new Error(`no fixture ${id}`);
  return fixture;
};

/** The credential a workload would present: `/document` + `/signature`, or `/rsa2048`. */
function credentialOf(fixture: DocumentFixture, document = fixture.document): string {
  return fixture.format === 'aws-iid-pkcs7'
    ? JSON.stringify({ pkcs7: fixture.pkcs7 })
    : JSON.stringify({ document, signature: fixture.signature });
}

/** The registration each fixture assumes: its account, documents accepted, shipped certificates. */
function platformFor(fixture: DocumentFixture, settings: Record<string, unknown> = {}) {
  return awsPlatform({
    issuer: `aws:${fixture.claims.accountId}`,
    settings: {
      accountId: fixture.claims.accountId,
      credentials: ['instance-identity-document'],
      ...settings,
    },
  });
}

const adapter = new AwsAdapter({ fetch: () => Promise.reject(new Error('the network must not be reached')) });

describe('real EC2 instance identity documents', () => {
  it('finds the four AWS fixtures', () => {
    expect(fixtures.map((f) => f.id).sort()).toEqual([
      'aws-iid-rsa2048-us-west-1-2021',
      'aws-iid-rsa2048-us-west-2-2021',
      'aws-iid-signature-us-east-1-2024-02',
      'aws-iid-signature-us-east-1-2024-04',
    ]);
  });

  it.each(fixtures)('$id → $expect at its clock, with the shipped certificates', async (fixture) => {
    const platform = platformFor(fixture);
    expect(adapter.registrationProblems(platform, false)).toEqual([]);
    const decision = decideAws(
      adapter,
      platform,
      credentialOf(fixture),
      INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
      {
        now: new Date(fixture.now * 1000),
      },
    );
    expect((await refusalOf(decision)) === undefined ? 'accept' : 'reject').toBe(fixture.expect);
    if (fixture.expect === 'reject') return;
    expect((await decision).identity).toMatchObject({
      kind: 'aws',
      credentialType: 'instance-identity-document',
      accountId: fixture.claims.accountId,
      instanceId: fixture.claims.instanceId,
      region: fixture.region,
      subject: `arn:aws:ec2:${fixture.region}:${fixture.claims.accountId}:instance/${fixture.claims.instanceId}`,
    });
  });

  it.each(fixtures)(
    '$id is refused once its pendingTime is older than the default 10 minutes',
    async (fixture) => {
      const late = new Date((fixture.now + 11 * 60) * 1000);
      const refusal = await refusalOf(
        decideAws(
          adapter,
          platformFor(fixture),
          credentialOf(fixture),
          INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
          {
            now: late,
          },
        ),
      );
      expect(refusal).toMatchObject({
        code: 'expired',
        message: expect.stringContaining('pendingTime') as unknown,
      });
    },
  );

  it.each([
    [
      'the us-west-2 document checked with the us-west-1 certificate',
      'aws-iid-rsa2048-us-west-2-2021',
      { regionCertificates: { 'us-west-2': byId('aws-iid-rsa2048-us-west-1-2021').certificates[0] } },
      undefined,
      'key_not_found',
      'signer certificate not found',
    ],
    [
      'a /signature document with a trailing newline added',
      'aws-iid-signature-us-east-1-2024-02',
      {},
      `${byId('aws-iid-signature-us-east-1-2024-02').document}\n`,
      'signature_invalid',
      'does not verify',
    ],
    [
      'a /signature document checked with the us-west-1 certificate',
      'aws-iid-signature-us-east-1-2024-04',
      { regionCertificates: { 'us-east-1': byId('aws-iid-rsa2048-us-west-1-2021').certificates[0] } },
      undefined,
      'signature_invalid',
      'does not verify',
    ],
    [
      'a document whose account is not the platform account',
      'aws-iid-signature-us-east-1-2024-02',
      { accountId: '111122223333' },
      undefined,
      'issuer_not_trusted',
      'no route',
    ],
  ])('refuses %s', async (_name, id, settings, document, code, words) => {
    const fixture = byId(id);
    const refusal = await refusalOf(
      decideAws(
        adapter,
        platformFor(fixture, settings),
        credentialOf(fixture, document),
        INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
        { now: new Date(fixture.now * 1000) },
      ),
    );
    expect(refusal).toMatchObject({ code, message: expect.stringContaining(words) as unknown });
  });
});
