import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TestClock, type Broker } from '../support/broker-harness';
import {
  fetchInstanceIdentity,
  startFakeAws,
  type FakeAws,
  type SerializedSignedRequest,
} from '../support/fake-aws';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const API = 'https://api.payments.example';
const BROKER_AUDIENCE = 'https://broker.test/token';
const AWS4_REQUEST = 'urn:ietf:params:aws:token-type:aws4_request';
const INSTANCE_IDENTITY = 'urn:fedbroker:params:aws:token-type:instance-identity-document';
const INSTANCE_ID = 'i-0123456789abcdef0';

type Json = Record<string, unknown>;

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

async function lastEvent(broker: Broker, outcome: 'issued' | 'denied'): Promise<Json | undefined> {
  const events = await json(await broker.admin('GET', `/admin/v1/audit-events?outcome=${outcome}&limit=1`));
  return (events.items as Json[])[0];
}

async function created(broker: Broker, path: string, body: Json): Promise<Json> {
  const response = await broker.admin('POST', path, body);
  const answer = await json(response);
  if (response.status !== 201)
    throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

describe('AWS platforms through /token', () => {
  const clock = new TestClock(new Date('2026-01-15T10:00:00Z'));
  let aws: FakeAws;
  let broker: Broker;

  beforeAll(async () => {
    aws = await startFakeAws({ clock, accounts: [ACCOUNT_A, ACCOUNT_B], regions: ['us-east-1'] });
    broker = await startBroker({ FEDBROKER_AWS_STS_ENDPOINTS: aws.sts.endpoint }, clock);
    const accountA = await created(broker, '/admin/v1/platforms', {
      name: 'account-a',
      kind: 'aws',
      issuer: aws.account(ACCOUNT_A).webIdentity.issuer,
      settings: {
        accountId: ACCOUNT_A,
        credentials: ['web-identity-token', 'caller-identity', 'instance-identity-document'],
        regionCertificates: { 'us-east-1': aws.ec2.regionCertificates['us-east-1'] },
      },
    });
    expect(accountA.keys).toMatchObject({ ok: true, keyCount: 2 });
    await created(broker, '/admin/v1/platforms', {
      name: 'account-b',
      kind: 'aws',
      issuer: aws.account(ACCOUNT_B).webIdentity.issuer,
      settings: { accountId: ACCOUNT_B },
    });
    const policies: Json[] = [
      {
        name: 'a-deployer',
        platform: 'account-a',
        condition: `identity.accountId == '${ACCOUNT_A}' && identity.principalId == '${aws.account(ACCOUNT_A).roleId('deployer')}'`,
        subject: "'aws:' + identity.accountId + ':' + identity.principalId",
        audiences: [API],
        scopes: ['deploy'],
        claims: { role: 'identity.roleName' },
      },
      {
        name: 'a-web-identity',
        platform: 'account-a',
        condition: `identity.credentialType == 'web-identity-token' && identity.accountId == '${ACCOUNT_A}' && identity.orgId == '${aws.account(ACCOUNT_A).orgId}'`,
        audiences: [API],
      },
      {
        name: 'a-bootstrap',
        platform: 'account-a',
        condition: `identity.credentialType == 'instance-identity-document' && identity.accountId == '${ACCOUNT_A}' && identity.instanceId == '${INSTANCE_ID}'`,
        audiences: [API],
      },
      {
        name: 'b-roles',
        platform: 'account-b',
        condition: `identity.accountId == '${ACCOUNT_B}' && identity.credentialType == 'caller-identity'`,
        audiences: [API],
      },
    ];
    for (const policy of policies) await created(broker, '/admin/v1/policies', policy);
  });

  afterEach(() => {
    aws.sts.mode = 'ok';
  });

  afterAll(async () => {
    await broker.close();
    await aws.close();
  });

  const exchange = (subjectToken: string, subjectTokenType: string) =>
    broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: subjectTokenType,
      audience: API,
    });
  const deployerRequest = (tamper?: (r: SerializedSignedRequest) => SerializedSignedRequest) =>
    aws.callerIdentityToken(aws.account(ACCOUNT_A).assumeRole('deployer', 'ci-run-42'), BROKER_AUDIENCE, {
      ...(tamper === undefined ? {} : { tamper }),
    });

  async function verifyIssued(accessToken: string) {
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${broker.url}/jwks`)), {
      issuer: 'https://broker.test',
      audience: API,
      typ: 'at+jwt',
      currentDate: clock.now(),
    });
    return payload;
  }

  it('exchanges a signed GetCallerIdentity request (aws4_request) for an access token, asking STS once', async () => {
    const before = aws.sts.requests.getCallerIdentity;
    const response = await exchange(await deployerRequest(), AWS4_REQUEST);
    expect(response.status).toBe(200);
    expect(aws.sts.requests.getCallerIdentity).toBe(before + 1);
    const body = await json(response);
    const arn = `arn:aws:sts::${ACCOUNT_A}:assumed-role/deployer/ci-run-42`;
    expect(await verifyIssued(body.access_token as string)).toMatchObject({
      sub: `aws:${ACCOUNT_A}:${aws.account(ACCOUNT_A).roleId('deployer')}`,
      client_id: arn,
      scope: 'deploy',
      role: 'deployer',
    });
    expect(await lastEvent(broker, 'issued')).toMatchObject({
      platform: 'account-a',
      subject: arn,
      policy: 'a-deployer',
      audience: [API],
    });
  });

  it.each([
    ['an RFC 8693 exchange', { subject_token_type: JWT_TYPE, grant_type: TOKEN_EXCHANGE }],
    ['an RFC 7523 jwt-bearer grant', { grant_type: JWT_BEARER }],
  ])('exchanges a GetWebIdentityToken JWT through %s, keys by OIDC discovery', async (_name, grant) => {
    const token = await aws.account(ACCOUNT_A).webIdentity.mint({
      roleName: 'deployer',
      audience: BROKER_AUDIENCE,
      signingAlgorithm: 'ES384',
    });
    const response = await broker.token({
      ...grant,
      ...(grant.grant_type === JWT_BEARER ? { assertion: token } : { subject_token: token }),
    });
    expect(response.status).toBe(200);
    expect(await lastEvent(broker, 'issued')).toMatchObject({
      platform: 'account-a',
      subject: `arn:aws:iam::${ACCOUNT_A}:role/deployer`,
      policy: 'a-web-identity',
    });
    expect(aws.account(ACCOUNT_A).webIdentity.requests.discovery).toBe(1);
  });

  it.each(['signature', 'pkcs7'] as const)(
    'exchanges an instance identity document (%s form)',
    async (form) => {
      aws.ec2.launch({ accountId: ACCOUNT_A, region: 'us-east-1', instanceId: INSTANCE_ID });
      const response = await exchange(await fetchInstanceIdentity(aws.ec2.endpoint, form), INSTANCE_IDENTITY);
      expect(response.status).toBe(200);
      expect(await lastEvent(broker, 'issued')).toMatchObject({
        platform: 'account-a',
        subject: `arn:aws:ec2:us-east-1:${ACCOUNT_A}:instance/${INSTANCE_ID}`,
        policy: 'a-bootstrap',
      });
    },
  );

  describe('two accounts side by side', () => {
    it('finds each signed request the platform of its own account', async () => {
      const response = await exchange(
        await aws.callerIdentityToken(aws.account(ACCOUNT_B).assumeRole('deployer'), BROKER_AUDIENCE),
        AWS4_REQUEST,
      );
      expect(response.status).toBe(200);
      expect(await lastEvent(broker, 'issued')).toMatchObject({ platform: 'account-b', policy: 'b-roles' });
    });

    it("never grants account A's policies to account B's role of the same name", async () => {
      const response = await exchange(
        await aws.callerIdentityToken(aws.account(ACCOUNT_B).assumeRole('web'), BROKER_AUDIENCE),
        AWS4_REQUEST,
      );
      expect(response.status).toBe(200);
      const denied = await exchange(
        await aws.callerIdentityToken(aws.account(ACCOUNT_A).assumeRole('web'), BROKER_AUDIENCE),
        AWS4_REQUEST,
      );
      expect(denied.status).toBe(400);
      expect(await lastEvent(broker, 'denied')).toMatchObject({
        platform: 'account-a',
        error: 'credential_rejected',
      });
    });

    it("refuses account B's documents: its platform does not accept them", async () => {
      aws.ec2.launch({ accountId: ACCOUNT_B, region: 'us-east-1' });
      const response = await exchange(
        await fetchInstanceIdentity(aws.ec2.endpoint, 'signature'),
        INSTANCE_IDENTITY,
      );
      expect(response.status).toBe(400);
      expect(await lastEvent(broker, 'denied')).toMatchObject({
        platform: 'account-b',
        error: 'credential_rejected',
        reason: 'the platform does not accept instance-identity-document credentials',
      });
    });
  });

  it.each<[string, () => Promise<[token: string, type: string]>, string]>([
    [
      'a request signed for another audience',
      async () => [
        await aws.callerIdentityToken(
          aws.account(ACCOUNT_A).assumeRole('deployer'),
          'https://other.example/token',
        ),
        AWS4_REQUEST,
      ],
      'the audience is not accepted: x-fedbroker-audience "https://other.example/token" is none of the accepted audiences ["https://broker.test", "https://broker.test/token"]',
    ],
    [
      'a request changed after signing',
      async () => [
        await deployerRequest((r) => ({
          ...r,
          headers: r.headers.map((h) => (h.key === 'x-amz-date' ? { ...h, value: '20260115T100100Z' } : h)),
        })),
        AWS4_REQUEST,
      ],
      'STS refused the signed request (HTTP 403 SignatureDoesNotMatch)',
    ],
    [
      'a request addressed to an STS the broker does not trust',
      async () => [
        await aws.callerIdentityToken(aws.account(ACCOUNT_A).assumeRole('deployer'), BROKER_AUDIENCE, {
          endpoint: 'https://sts.attacker.example',
        }),
        AWS4_REQUEST,
      ],
      'the request is not addressed to an allowed STS endpoint',
    ],
    [
      'a role no policy names',
      async () => [
        await aws.callerIdentityToken(aws.account(ACCOUNT_A).assumeRole('intern'), BROKER_AUDIENCE),
        AWS4_REQUEST,
      ],
      'no policy matched',
    ],
    [
      'a document of an instance started 11 minutes ago',
      async () => {
        aws.ec2.launch({
          accountId: ACCOUNT_A,
          region: 'us-east-1',
          instanceId: INSTANCE_ID,
          pendingTime: new Date(clock.now().getTime() - 660_000 - 1000),
        });
        return [await fetchInstanceIdentity(aws.ec2.endpoint, 'pkcs7'), INSTANCE_IDENTITY];
      },
      'the instance started more than 600 s ago: pendingTime 2026-01-15T09:48:59Z (1768470539) is more than 600 s before now 2026-01-15T10:00:00Z (clock skew 60 s)',
    ],
    [
      'a web identity token for another audience',
      async () => [
        await aws
          .account(ACCOUNT_A)
          .webIdentity.mint({ roleName: 'deployer', audience: 'https://api.openai.com/v1' }),
        JWT_TYPE,
      ],
      'the audience is not accepted',
    ],
  ])('refuses %s: 400 invalid_request, audited with the reason', async (_name, make, reason) => {
    const [token, type] = await make();
    const response = await exchange(token, type);
    expect(response.status).toBe(400);
    expect((await json(response)).error).toBe('invalid_request');
    const event = await lastEvent(broker, 'denied');
    expect(event).toMatchObject({ error: 'credential_rejected', grantType: TOKEN_EXCHANGE });
    expect(event?.reason).toContain(reason);
  });

  it('answers 503 temporarily_unavailable while STS is down, and audits it', async () => {
    const token = await deployerRequest();
    aws.sts.mode = 'down';
    const response = await exchange(token, AWS4_REQUEST);
    expect(response.status).toBe(503);
    expect((await json(response)).error).toBe('temporarily_unavailable');
    const event = await lastEvent(broker, 'denied');
    expect(event).toMatchObject({ error: 'platform_unavailable' });
    expect(event?.reason).toContain(`STS at ${aws.sts.endpoint} answered HTTP 503`);
  });

  it.each<[string, () => Json, string]>([
    [
      'the same account',
      () => ({
        issuer: `aws:${ACCOUNT_A}`,
        settings: { accountId: ACCOUNT_A, credentials: ['caller-identity'] },
      }),
      'settings.accountId',
    ],
    [
      "the same account's issuer",
      () => ({
        issuer: aws.account(ACCOUNT_A).webIdentity.issuer,
        settings: { accountId: '999988887777', credentials: ['web-identity-token'] },
      }),
      'issuer',
    ],
  ])(
    'refuses a second platform of %s with 409, naming the platform it collides with and the field',
    async (_name, body, field) => {
      const response = await broker.admin('POST', '/admin/v1/platforms', {
        name: 'account-a-again',
        kind: 'aws',
        ...body(),
      });
      expect(response.status).toBe(409);
      const problem = await json(response);
      expect(problem.detail).toContain('platform account-a already answers to');
      expect(problem.conflicts).toEqual([{ resource: 'platform', name: 'account-a' }]);
      expect(problem.errors).toEqual([{ field, message: 'conflicts with platform account-a' }]);
    },
  );

  it('explains what /token would decide for a signed request, issuing and auditing nothing', async () => {
    const count = async () =>
      Number(
        (await broker.runtime.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM audit_events'))[0]
          ?.n,
      );
    const before = await count();
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await deployerRequest(),
      tokenType: AWS4_REQUEST,
      audience: API,
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      platform: { name: 'account-a', kind: 'aws' },
      identity: {
        credentialType: 'caller-identity',
        accountId: ACCOUNT_A,
        principalId: aws.account(ACCOUNT_A).roleId('deployer'),
        roleName: 'deployer',
      },
      decision: { outcome: 'issue', policy: 'a-deployer', audience: [API] },
    });
    expect(await count()).toBe(before);
  });
});

interface DocumentFixture {
  id: string;
  format: string;
  document: string;
  signature?: string;
  pkcs7?: string;
  now: number;
  expect: 'accept' | 'reject';
  claims: { accountId: string };
}

const fixtureDir = join(__dirname, '..', 'fixtures', 'real');
const documentFixtures = readdirSync(fixtureDir)
  .filter((f) => f.startsWith('aws-'))
  .map((f) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as DocumentFixture);

describe('real EC2 instance identity documents, decided at their own fixed clock', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  it.each(documentFixtures)('$id → $expect', async (fixture) => {
    broker.clock.set(new Date(fixture.now * 1000));
    await created(broker, '/admin/v1/platforms', {
      name: 'real',
      kind: 'aws',
      issuer: `aws:${fixture.claims.accountId}`,
      settings: { accountId: fixture.claims.accountId, credentials: ['instance-identity-document'] },
    });
    await created(broker, '/admin/v1/policies', {
      name: 'real-any',
      platform: 'real',
      condition: 'true',
      audiences: [API],
    });
    try {
      const credential =
        fixture.format === 'aws-iid-pkcs7'
          ? { pkcs7: fixture.pkcs7 }
          : { document: fixture.document, signature: fixture.signature };
      const response = await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: JSON.stringify(credential),
        subject_token_type: INSTANCE_IDENTITY,
      });
      expect(response.status === 200 ? 'accept' : 'reject').toBe(fixture.expect);
    } finally {
      await broker.admin('DELETE', '/admin/v1/policies/real-any', undefined, { 'if-match': '*' });
      await broker.admin('DELETE', '/admin/v1/platforms/real', undefined, { 'if-match': '*' });
    }
  });
});
