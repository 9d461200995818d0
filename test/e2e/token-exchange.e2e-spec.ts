import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import {
  ACCESS_TOKEN_TYPE,
  CLIENT_ASSERTION,
  JWT_BEARER,
  JWT_TYPE,
  TOKEN_EXCHANGE,
} from '../support/oauth-urns';

/** The broker's clock, which the fake clusters mint at too. */
const clock = new TestClock();

const API = 'https://api.payments.example';

describe('POST /token with a Kubernetes projected token', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'prod-cluster',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: ['https://broker.test/token'],
    });
    expect(platform.status).toBe(201);
    const policy = await broker.admin('POST', '/admin/v1/policies', {
      name: 'payments-deployer',
      platform: 'prod-cluster',
      condition: "identity.namespace == 'payments' && identity.serviceAccount == 'deployer'",
      actorCondition: "actor.namespace == 'ci'",
      subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
      audiences: [API],
      scopes: ['payments.read', 'payments.write'],
      ttlSeconds: 900,
      claims: { ns: 'identity.namespace', pod: 'identity.podName' },
    });
    expect(policy.status).toBe(201);
    const withoutDelegation = await broker.admin('POST', '/admin/v1/policies', {
      name: 'billing-reader',
      platform: 'prod-cluster',
      condition: "identity.namespace == 'billing'",
      audiences: [API],
    });
    expect(withoutDelegation.status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  const deployerToken = () =>
    cluster.mint({ namespace: 'payments', serviceAccount: 'deployer', aud: ['https://broker.test/token'] });

  async function verifyIssued(accessToken: string) {
    const jwks = createRemoteJWKSet(new URL(`${broker.url}/jwks`));
    return jwtVerify(accessToken, jwks, {
      issuer: 'https://broker.test',
      audience: API,
      typ: 'at+jwt',
      currentDate: broker.clock.now(),
    });
  }

  it('exchanges a token (RFC 8693) for an RFC 9068 access token that verifies against /jwks', async () => {
    const subjectToken = await deployerToken();
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: JWT_TYPE,
      audience: API,
      scope: 'payments.read',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'payments.read',
    });
    const { payload, protectedHeader } = await verifyIssued(body.access_token as string);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: 'https://broker.test',
      sub: 'k8s:payments:deployer',
      aud: API,
      client_id: 'system:serviceaccount:payments:deployer',
      scope: 'payments.read',
      ns: 'payments',
    });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.jti).toBe('string');
  });

  it('grants every policy scope and the single audience when none is requested (RFC 7523 jwt-bearer)', async () => {
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: await deployerToken() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('payments.read payments.write');
    const { payload } = await verifyIssued(body.access_token);
    expect(payload.aud).toBe(API);
  });

  it('accepts a client assertion whose iss differs from sub and that has no jti (RFC 7523 §2.2)', async () => {
    const assertion = await cluster.mint({
      namespace: 'payments',
      serviceAccount: 'deployer',
      aud: ['https://broker.test/token'],
      jti: undefined,
    });
    const response = await broker.token({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION,
      client_assertion: assertion,
      client_id: 'system:serviceaccount:payments:deployer',
    });
    expect(response.status).toBe(200);
  });

  it('issues requested_token_type jwt when asked', async () => {
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: await deployerToken(),
      subject_token_type: JWT_TYPE,
      requested_token_type: JWT_TYPE,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { issued_token_type: string }).issued_token_type).toBe(JWT_TYPE);
  });

  it('carries a verified actor token as the act claim (RFC 8693 §4.1)', async () => {
    const actorToken = await cluster.mint({
      namespace: 'ci',
      serviceAccount: 'pipeline',
      aud: ['https://broker.test/token'],
    });
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: await deployerToken(),
      subject_token_type: JWT_TYPE,
      actor_token: actorToken,
      actor_token_type: JWT_TYPE,
    });
    expect(response.status).toBe(200);
    const { payload } = await verifyIssued(
      ((await response.json()) as { access_token: string }).access_token,
    );
    expect(payload.act).toEqual({ sub: 'system:serviceaccount:ci:pipeline', iss: cluster.issuer });
  });

  describe('refuses an actor the winning policy does not allow (RFC 8693 §4.1)', () => {
    const ciToken = () =>
      cluster.mint({ namespace: 'ci', serviceAccount: 'pipeline', aud: ['https://broker.test/token'] });
    const billingToken = () =>
      cluster.mint({ namespace: 'billing', serviceAccount: 'reader', aud: ['https://broker.test/token'] });
    const webToken = () =>
      cluster.mint({ namespace: 'web', serviceAccount: 'frontend', aud: ['https://broker.test/token'] });

    it.each<[string, () => Promise<string>, () => Promise<string>]>([
      ['any actor under a policy without actorCondition', billingToken, ciToken],
      ['an actor the actorCondition rejects', deployerToken, webToken],
      ['the subject token presented again as its own actor', deployerToken, deployerToken],
    ])('%s', async (_case, subjectToken, actorToken) => {
      const token = await subjectToken();
      const response = await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: token,
        subject_token_type: JWT_TYPE,
        actor_token: actorToken === subjectToken ? token : await actorToken(),
        actor_token_type: JWT_TYPE,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'the policy does not allow this actor',
      });
    });

    it('still grants the subject of a policy without actorCondition when no actor is sent', async () => {
      const response = await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await billingToken(),
        subject_token_type: JWT_TYPE,
      });
      expect(response.status).toBe(200);
    });

    it('audits the refused actor as credential_rejected, with the policy and the reason', async () => {
      const response = await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await deployerToken(),
        subject_token_type: JWT_TYPE,
        actor_token: await webToken(),
        actor_token_type: JWT_TYPE,
      });
      expect(response.status).toBe(400);
      const events = await broker.admin('GET', '/admin/v1/audit-events?outcome=denied&limit=1');
      const [event] = ((await events.json()) as { items: Record<string, unknown>[] }).items;
      expect(event).toMatchObject({
        outcome: 'denied',
        error: 'credential_rejected',
        subject: 'system:serviceaccount:payments:deployer',
        actorSubject: 'system:serviceaccount:web:frontend',
        policy: 'payments-deployer',
        reason: 'actor_token: policy payments-deployer: actorCondition is false',
      });
    });
  });

  it('audits the issued token with a hash of the subject token, never the token', async () => {
    const subjectToken = await deployerToken();
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: JWT_TYPE,
    });
    const issued = decodeProtectedHeader(((await response.json()) as { access_token: string }).access_token);
    expect(issued.kid).toBeDefined();
    const events = await broker.admin('GET', '/admin/v1/audit-events?outcome=issued&limit=1');
    const [event] = ((await events.json()) as { items: Record<string, unknown>[] }).items;
    expect(event).toMatchObject({
      grantType: TOKEN_EXCHANGE,
      outcome: 'issued',
      platform: 'prod-cluster',
      issuer: cluster.issuer,
      subject: 'system:serviceaccount:payments:deployer',
      policy: 'payments-deployer',
      audience: [API],
      scopes: ['payments.read', 'payments.write'],
    });
    const { createHash } = await import('node:crypto');
    expect(event?.subjectTokenSha256).toBe(createHash('sha256').update(subjectToken).digest('hex'));
    const rows: { row: string }[] = await broker.runtime.dataSource.query(
      `SELECT row_to_json(a)::text AS row FROM audit_events a`,
    );
    for (const { row } of rows) expect(row).not.toContain(subjectToken.split('.')[2]);
  });

  it('denies a workload no policy matches, and audits the denial', async () => {
    const other = await cluster.mint({
      namespace: 'web',
      serviceAccount: 'frontend',
      aud: ['https://broker.test/token'],
    });
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: other });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'no trust policy matched the credential',
    });
    const events = await broker.admin('GET', '/admin/v1/audit-events?outcome=denied&limit=1');
    const [event] = ((await events.json()) as { items: Record<string, unknown>[] }).items;
    expect(event).toMatchObject({
      outcome: 'denied',
      error: 'credential_rejected',
      platform: 'prod-cluster',
      subject: 'system:serviceaccount:web:frontend',
    });
    expect(event?.reason).toContain('payments-deployer: ruled out (pins identity.namespace to other values)');
  });

  describe('POST /admin/v1/explain', () => {
    const auditCount = async (): Promise<number> => {
      const rows = await broker.runtime.dataSource.query<{ n: string }[]>(
        `SELECT count(*) AS n FROM audit_events`,
      );
      return Number(rows[0]?.n);
    };

    it('reports what /token would issue, and why, without issuing or auditing', async () => {
      const before = await auditCount();
      const response = await broker.admin('POST', '/admin/v1/explain', {
        token: await deployerToken(),
        audience: API,
        scope: 'payments.read',
      });
      expect(response.status).toBe(200);
      const report = (await response.json()) as Record<string, unknown>;
      expect(report).toMatchObject({
        platform: { name: 'prod-cluster', kind: 'kubernetes', issuer: cluster.issuer },
        identity: { namespace: 'payments', serviceAccount: 'deployer' },
        decision: {
          outcome: 'issue',
          policy: 'payments-deployer',
          subject: 'k8s:payments:deployer',
          audience: [API],
          scopes: ['payments.read'],
          ttlSeconds: 900,
        },
      });
      expect(report.policies).toEqual([
        {
          policy: 'billing-reader',
          result: 'not_matched',
          reason: 'condition is false',
          rank: 1,
          priority: 0,
          mode: 'enforce',
        },
        { policy: 'payments-deployer', result: 'matched', rank: 2, priority: 0, mode: 'enforce' },
      ]);
      expect(await auditCount()).toBe(before);
    });

    it.each([
      ['a granted exchange with an allowed actor', 'payments', 'ci', undefined, 'issue'],
      ['an actor the policy refuses', 'payments', 'web', undefined, 'credential_rejected'],
      [
        'a client_id that is not the assertion subject',
        'payments',
        undefined,
        'someone-else',
        'client_mismatch',
      ],
      ['a subject no policy matches', 'web', undefined, undefined, 'credential_rejected'],
    ])('decides %s exactly as /token does', async (_name, namespace, actorNamespace, clientId, expected) => {
      const serviceAccount = namespace === 'payments' ? 'deployer' : 'frontend';
      const token = await cluster.mint({ namespace, serviceAccount, aud: ['https://broker.test/token'] });
      const actor =
        actorNamespace === undefined
          ? undefined
          : await cluster.mint({
              namespace: actorNamespace,
              serviceAccount: 'pipeline',
              aud: ['https://broker.test/token'],
            });
      const grantType = clientId === undefined ? TOKEN_EXCHANGE : 'client_credentials';
      const report = (await (
        await broker.admin('POST', '/admin/v1/explain', {
          token,
          grantType,
          audience: API,
          ...(actor === undefined ? {} : { actorToken: actor, actorTokenType: JWT_TYPE }),
          ...(clientId === undefined ? {} : { clientId }),
        })
      ).json()) as { decision: { outcome: string; error?: string }; steps: { step: string; ok: boolean }[] };
      const response = await broker.token(
        clientId === undefined
          ? {
              grant_type: TOKEN_EXCHANGE,
              subject_token: token,
              subject_token_type: JWT_TYPE,
              audience: API,
              ...(actor === undefined ? {} : { actor_token: actor, actor_token_type: JWT_TYPE }),
            }
          : {
              grant_type: 'client_credentials',
              client_assertion_type: CLIENT_ASSERTION,
              client_assertion: token,
              client_id: clientId,
              audience: API,
            },
      );
      const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
        items: { outcome: string; error: string | null }[];
      };
      if (expected === 'issue') {
        expect(report.decision.outcome).toBe('issue');
        expect(response.status).toBe(200);
        expect(report.steps.map((s) => s.step)).toEqual([
          'verify',
          'verify-actor',
          'decide',
          'authorize-actor',
          'select-targets',
        ]);
      } else {
        expect(report.decision).toMatchObject({ outcome: 'deny', error: expected });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(audit.items[0]?.error).toBe(expected);
        expect(report.steps.at(-1)?.ok).toBe(false);
      }
    });

    it('shows the presented header and claims beside a verification failure', async () => {
      const token = await cluster.mint({
        namespace: 'payments',
        serviceAccount: 'deployer',
        aud: ['https://elsewhere.example'],
      });
      const report = (await (await broker.admin('POST', '/admin/v1/explain', { token })).json()) as {
        presented: { tokenType: string; header: { alg: string }; claims: { aud: string[] } };
        steps: { step: string; ok: boolean; detail: string }[];
      };
      expect(report.presented.tokenType).toBe(JWT_TYPE);
      expect(report.presented.header.alg).toBe('RS256');
      expect(report.presented.claims.aud).toEqual(['https://elsewhere.example']);
      expect(report.steps).toEqual([
        {
          step: 'verify',
          ok: false,
          check: 'audience_mismatch',
          detail:
            'the audience is not accepted: aud ["https://elsewhere.example"] names none of the accepted audiences ["https://broker.test/token"]',
          presented: report.presented,
        },
      ]);
    });

    it('names the policies that did not match', async () => {
      const token = await cluster.mint({
        namespace: 'web',
        serviceAccount: 'frontend',
        aud: ['https://broker.test/token'],
      });
      const report = (await (await broker.admin('POST', '/admin/v1/explain', { token })).json()) as {
        policies: { policy: string; result: string }[];
        decision: Record<string, unknown>;
      };
      expect(report.decision).toMatchObject({ outcome: 'deny', error: 'credential_rejected' });
      expect(report.policies).toContainEqual(
        expect.objectContaining({ policy: 'payments-deployer', result: 'not_matched' }),
      );
    });

    it('stops at the verify step for a token no platform issued', async () => {
      const report = (await (
        await broker.admin('POST', '/admin/v1/explain', { token: 'not.a.jwt' })
      ).json()) as {
        platform: unknown;
        steps: { step: string; ok: boolean }[];
      };
      expect(report.platform).toBeNull();
      expect(report.steps).toEqual([expect.objectContaining({ step: 'verify', ok: false })]);
    });

    it('refuses a body without a token (400)', async () => {
      const response = await broker.admin('POST', '/admin/v1/explain', { audience: API });
      expect(response.status).toBe(400);
    });
  });
});
