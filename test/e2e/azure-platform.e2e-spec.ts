import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TestClock, type Broker } from '../support/broker-harness';
import { startFakeAzure, type FakeAzure } from '../support/fake-azure';
import { createAttestedPki, type AttestedPki } from '../support/fake-azure-pki';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const ATTESTED_DOCUMENT = 'urn:fedbroker:params:azure:token-type:attested-document';
const BROKER_APP = 'api://fedbroker';
const API = 'https://api.payments.example';
const HOUR = 3600;

interface AuditEvent {
  outcome: string;
  error: string | null;
  reason: string | null;
  platform: string | null;
  subject: string | null;
  policy: string | null;
}

describe('Azure platforms through /token', () => {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  let broker: Broker;
  let azure: FakeAzure;
  let rogue: AttestedPki;

  beforeAll(async () => {
    azure = await startFakeAzure({ now: clock.now });
    rogue = await createAttestedPki(clock.now());
    broker = await startBroker({}, clock);
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'contoso',
      kind: 'azure',
      issuer: `https://sts.windows.net/${azure.tenantId}/`,
      jwksUri: azure.commonKeysUri,
      audiences: [BROKER_APP],
      settings: {
        tenantId: azure.tenantId,
        attestedDocuments: {
          trustAnchors: [azure.pki.root.pem],
          intermediates: [azure.pki.intermediate.pem],
          subscriptionIds: [azure.vm.subscriptionId],
        },
      },
    });
    expect(platform.status).toBe(201);
    expect(((await platform.json()) as { keys: unknown }).keys).toMatchObject({ ok: true, keyCount: 1 });
    const policies = [
      {
        name: 'payments-deployer',
        platform: 'contoso',
        condition: `identity.tenantId == '${azure.tenantId}' && identity.objectId == '${azure.identities.user.objectId}'`,
        subject: "'azure:' + identity.objectId",
        audiences: [API],
        scopes: ['payments.read', 'payments.write'],
        claims: { rg: 'identity.resourceGroup' },
      },
      {
        name: 'payments-vm',
        platform: 'contoso',
        condition: `has(identity.vmId) && identity.vmId == '${azure.vm.vmId}' && identity.subscriptionId == '${azure.vm.subscriptionId}'`,
        subject: "'azure-vm:' + identity.vmId",
        audiences: [API],
        scopes: ['payments.read'],
      },
    ];
    for (const policy of policies) {
      expect((await broker.admin('POST', '/admin/v1/policies', policy)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await broker.close();
    await azure.close();
  });

  /** What a workload on the VM does: ask IMDS for a token for the broker's app. */
  async function imdsToken(identity: 'system' | 'user' = 'user'): Promise<string> {
    const select = identity === 'user' ? `&client_id=${azure.identities.user.clientId}` : '';
    const url = `${azure.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(BROKER_APP)}${select}`;
    const body = (await (await fetch(url, { headers: { Metadata: 'true' } })).json()) as {
      access_token: string;
    };
    return body.access_token;
  }

  /** What a workload on the VM does: ask IMDS for its attested document with the current Unix time as nonce. */
  async function imdsAttestedDocument(
    nonce = String(Math.floor(clock.now().getTime() / 1000)),
  ): Promise<string> {
    const url = `${azure.imdsEndpoint}/metadata/attested/document?api-version=2020-09-01&nonce=${nonce}`;
    return (await fetch(url, { headers: { Metadata: 'true' } })).text();
  }

  const exchange = (subjectToken: string, subjectTokenType = JWT_TYPE) =>
    broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: subjectTokenType,
      audience: API,
    });

  async function latest(outcome: 'issued' | 'denied'): Promise<AuditEvent> {
    const response = await broker.admin('GET', `/admin/v1/audit-events?outcome=${outcome}&limit=1`);
    const [event] = ((await response.json()) as { items: AuditEvent[] }).items;
    if (event === undefined) throw new Error(`no ${outcome} audit event`);
    return event;
  }

  function verifyIssued(accessToken: string) {
    return jwtVerify(accessToken, createRemoteJWKSet(new URL(`${broker.url}/jwks`)), {
      issuer: 'https://broker.test',
      audience: API,
      typ: 'at+jwt',
      currentDate: clock.now(),
    });
  }

  it('exchanges a managed-identity token from IMDS for an RFC 9068 access token', async () => {
    const response = await exchange(await imdsToken());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; scope: string; expires_in: number };
    expect(body).toMatchObject({ scope: 'payments.read payments.write', expires_in: 900 });
    const { payload } = await verifyIssued(body.access_token);
    expect(payload).toMatchObject({
      sub: `azure:${azure.identities.user.objectId}`,
      client_id: azure.identities.user.objectId,
      aud: API,
      rg: azure.vm.resourceGroup,
    });
    expect(await latest('issued')).toMatchObject({
      platform: 'contoso',
      subject: azure.identities.user.objectId,
      policy: 'payments-deployer',
    });
    expect(azure.requests.keys).toBe(1);
  });

  it('accepts the v2 issuer form of the same tenant, and the JWT bearer grant', async () => {
    const token = await azure.mintAccessToken({ resource: BROKER_APP, identity: 'user', version: 2 });
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: token });
    expect(response.status).toBe(200);
  });

  it('exchanges an attested document asked for with the current Unix time as nonce', async () => {
    const response = await exchange(await imdsAttestedDocument(), ATTESTED_DOCUMENT);
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const { payload } = await verifyIssued(accessToken);
    expect(payload).toMatchObject({
      sub: `azure-vm:${azure.vm.vmId}`,
      client_id: azure.vm.vmId,
      scope: 'payments.read',
    });
    expect(await latest('issued')).toMatchObject({
      platform: 'contoso',
      subject: azure.vm.vmId,
      policy: 'payments-vm',
    });
  });

  type Refusal = [
    name: string,
    make: () => Promise<[string, string]>,
    reason: RegExp,
    platform: string | null,
  ];
  const jwt = async (token: Promise<string>): Promise<[string, string]> => [await token, JWT_TYPE];
  const document = async (body: Promise<string>): Promise<[string, string]> => [
    await body,
    ATTESTED_DOCUMENT,
  ];
  const refusals: Refusal[] = [
    [
      "another tenant's token, though Microsoft's shared keys verify it",
      () => jwt(azure.mintAccessToken({ resource: BROKER_APP, identity: 'user', tenantId: randomUUID() })),
      /no registered platform issued the credential/,
      null,
    ],
    [
      'a Microsoft Graph token (header nonce)',
      () => jwt(azure.mintAccessToken({ resource: BROKER_APP, identity: 'user', graphNonce: true })),
      /header nonce/,
      'contoso',
    ],
    [
      'a token for Azure Resource Manager',
      () => jwt(azure.mintAccessToken({ resource: 'https://management.azure.com/', identity: 'user' })),
      /^the audience is not accepted: aud \["https:\/\/management\.azure\.com\/"\] names none of the accepted audiences/,
      'contoso',
    ],
    [
      'an expired token',
      () =>
        jwt(
          azure.mintAccessToken({
            resource: BROKER_APP,
            identity: 'user',
            now: new Date(clock.now().getTime() - 26 * HOUR * 1000),
          }),
        ),
      /token has expired/,
      'contoso',
    ],
    [
      'a token living 30 h',
      () =>
        jwt(azure.mintAccessToken({ resource: BROKER_APP, identity: 'user', lifetimeSeconds: 30 * HOUR })),
      /lifetime exceeds/,
      'contoso',
    ],
    [
      'an identity no policy names (the system-assigned one)',
      () => jwt(imdsToken('system')),
      /^no policy matched \(1 evaluated: 1 not_matched; 1 ruled out by the index\); payments-vm: not_matched.*payments-deployer: ruled out \(pins identity\.objectId to other values\)$/,
      'contoso',
    ],
    [
      'an attested document asked for 301 s ago',
      () => document(imdsAttestedDocument(String(Math.floor(clock.now().getTime() / 1000) - 301))),
      /nonce is older than 300 s/,
      'contoso',
    ],
    [
      'an attested document asked for without a nonce (IMDS writes its own timestamp)',
      () => document(azure.attestedDocument()),
      /nonce is not a Unix time/,
      'contoso',
    ],
    [
      'an attested document signed by another chain',
      () =>
        document(
          azure.attestedDocument({
            nonce: String(Math.floor(clock.now().getTime() / 1000)),
            signer: rogue.signer,
            embed: [rogue.signer, rogue.intermediate],
          }),
        ),
      /does not chain to a trusted certificate/,
      'contoso',
    ],
    [
      'an attested document of a subscription no platform serves',
      () =>
        document(
          azure.attestedDocument({
            nonce: String(Math.floor(clock.now().getTime() / 1000)),
            subscriptionId: randomUUID(),
          }),
        ),
      /no registered platform issued the credential/,
      null,
    ],
  ];

  it.each(refusals)('refuses %s: 400, audited with the reason', async (_name, make, reason, platform) => {
    const [token, type] = await make();
    const response = await exchange(token, type);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    const event = await latest('denied');
    expect(event).toMatchObject({ error: 'credential_rejected', platform });
    expect(event.reason).toMatch(reason);
  });

  it("answers 503 when a tenant's keys cannot be fetched, audited as platform_unavailable", async () => {
    const tenantId = randomUUID();
    const offline = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'fabrikam',
      kind: 'azure',
      issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
      jwksUri: 'http://127.0.0.1:1/common/discovery/v2.0/keys',
      audiences: [BROKER_APP],
      settings: { tenantId },
    });
    expect(offline.status).toBe(201);
    expect(((await offline.json()) as { keys: unknown }).keys).toMatchObject({ ok: false });
    const token = await azure.mintAccessToken({ resource: BROKER_APP, tenantId, version: 2 });
    const response = await exchange(token);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('temporarily_unavailable');
    const event = await latest('denied');
    expect(event).toMatchObject({ error: 'platform_unavailable', platform: 'fabrikam' });
    expect(event.reason).toMatch(/keys/);
  });

  it('refuses a second platform for the same tenant with 409, naming the one it collides with', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'contoso-v2',
      kind: 'azure',
      issuer: `https://login.microsoftonline.com/${azure.tenantId}/v2.0`,
      jwksUri: azure.commonKeysUri,
      audiences: ['api://another-app'],
      settings: { tenantId: azure.tenantId },
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as {
      detail: string;
      errors: { field: string; message: string }[];
    };
    expect(problem.detail).toMatch(`platform contoso already answers to azure ${azure.tenantId}`);
    expect(problem.errors).toEqual([
      { field: 'settings.tenantId', message: 'conflicts with platform contoso' },
    ]);
  });

  it('explains a decision on the immutable pair through POST /admin/v1/explain', async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await imdsToken(),
      audience: API,
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      platform: { name: string; kind: string };
      identity: Record<string, unknown>;
      policies: { policy: string; result: string }[];
      decision: { outcome: string; policy: string; subject: string };
    };
    expect(report.platform).toMatchObject({ name: 'contoso', kind: 'azure' });
    expect(report.identity).toMatchObject({
      tenantId: azure.tenantId,
      objectId: azure.identities.user.objectId,
      appId: azure.identities.user.clientId,
      managedIdentityResourceId: azure.identities.user.resourceId,
      subscriptionId: azure.vm.subscriptionId,
      resourceGroup: azure.vm.resourceGroup,
    });
    expect(report.policies.map(({ policy, result }) => [policy, result])).toEqual([
      ['payments-deployer', 'matched'],
      ['payments-vm', 'not_matched'],
    ]);
    expect(report.decision).toMatchObject({
      outcome: 'issue',
      policy: 'payments-deployer',
      subject: `azure:${azure.identities.user.objectId}`,
    });
  });
});

describe('the real managed-identity token, decided at its own clock', () => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'real', 'azure-imds-mi-2024.json'), 'utf8'),
  ) as {
    token: string;
    issuer: string;
    audience: string;
    jwks: unknown;
    now: number;
    claims: Record<string, string>;
  };
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({}, new TestClock(new Date(fixture.now * 1000)));
  });

  afterAll(() => broker.close());

  it('is accepted for a platform registered with its issuer, keys and ARM audience', async () => {
    const { tid, oid } = fixture.claims;
    const writes: [string, Record<string, unknown>][] = [
      [
        '/admin/v1/platforms',
        {
          name: 'real',
          kind: 'azure',
          issuer: fixture.issuer,
          jwks: fixture.jwks,
          audiences: [fixture.audience],
          settings: { tenantId: tid },
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'test-uai',
          platform: 'real',
          condition: `identity.tenantId == '${tid}' && identity.objectId == '${oid}'`,
          audiences: [API],
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: fixture.token });
    expect(response.status).toBe(200);
  });
});
