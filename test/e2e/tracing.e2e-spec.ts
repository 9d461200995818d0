import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../apps/broker/src/telemetry/tracing';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const clock = new TestClock();
const API = 'https://api.payments.example';
const AUDIENCE = 'https://broker.test/token';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('traces', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  /** The spans of the request `requestId`: its `fedbroker.token` span and everything under it. */
  const spansOf = (requestId: string | null): Map<string, ReadableSpan> => {
    const spans = exporter.getFinishedSpans();
    const root = spans.find(
      (span) => span.name === 'fedbroker.token' && span.attributes['fedbroker.request_id'] === requestId,
    );
    expect(root).toBeDefined();
    const traceId = root!.spanContext().traceId;
    return new Map(
      spans.filter((span) => span.spanContext().traceId === traceId).map((span) => [span.name, span]),
    );
  };
  const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan | undefined) => span?.spanContext().spanId;

  beforeAll(async () => {
    tracing = startTracing({ exporters: [] }, [new SimpleSpanProcessor(exporter)])!;
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const writes: [string, unknown][] = [
      ['/admin/v1/platforms', { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer }],
      [
        '/admin/v1/policies',
        {
          name: 'payments',
          platform: 'cluster',
          condition: "identity.namespace == 'payments'",
          audiences: [API],
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
    await tracing.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('traces an exchange in the caller’s trace: verification, key fetch, policy, minting, audit', async () => {
    await cluster.rotateKey();
    clock.advance(60);
    const subjectToken = await cluster.mint({ namespace: 'payments', aud: AUDIENCE });
    const response = await fetch(`${broker.url}/token`, {
      method: 'POST',
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: JWT_TYPE,
      }),
    });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const spans = spansOf(response.headers.get('x-request-id'));
    const root = spans.get('fedbroker.token');
    expect(root?.spanContext().traceId).toBe(CALLER_TRACE);
    expect(parentOf(root)).toBe(CALLER_SPAN);
    expect(root?.kind).toBe(SpanKind.SERVER);
    expect(root?.resource.attributes['service.name']).toBe('fedbroker');
    expect(root?.attributes).toMatchObject({
      'fedbroker.grant': 'token-exchange',
      'fedbroker.outcome': 'issued',
      'fedbroker.platform': 'cluster',
    });

    const verify = spans.get('fedbroker.verify');
    expect(parentOf(verify)).toBe(idOf(root));
    expect(verify?.attributes).toMatchObject({
      'fedbroker.platform': 'cluster',
      'fedbroker.platform.kind': 'kubernetes',
      'fedbroker.token_type': JWT_TYPE,
    });
    const keyFetch = spans.get('fedbroker.key_fetch');
    expect(parentOf(keyFetch)).toBe(idOf(verify));
    expect(keyFetch?.attributes).toMatchObject({
      'fedbroker.key_source.type': 'oidc-discovery',
      'fedbroker.platform': 'cluster',
      'fedbroker.key_count': 2,
    });
    const decide = spans.get('fedbroker.policy.decide');
    expect(parentOf(decide)).toBe(idOf(root));
    expect(decide?.attributes).toMatchObject({
      'fedbroker.policy': 'payments',
      'fedbroker.policies.evaluated': 1,
    });
    const mint = spans.get('fedbroker.mint');
    expect(parentOf(mint)).toBe(idOf(root));
    expect(mint?.attributes).toMatchObject({
      'fedbroker.signing_key.kid': decodeProtectedHeader(accessToken).kid,
      'fedbroker.token.ttl_seconds': expect.any(Number) as unknown,
    });
    const audit = spans.get('fedbroker.audit.commit');
    expect(parentOf(audit)).toBe(idOf(root));
    expect(audit?.attributes).toMatchObject({ 'fedbroker.outcome': 'issued' });
    for (const span of spans.values()) expect(span.status.code).not.toBe(SpanStatusCode.ERROR);

    expectNoSecret([...spans.values()], [subjectToken, accessToken, ADMIN_TOKEN]);
  });

  it('marks the step that denied with its error code, and only its code', async () => {
    const stranger = await cluster.mint({ namespace: 'billing', aud: AUDIENCE });
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: stranger });
    expect(response.status).toBe(400);
    const spans = spansOf(response.headers.get('x-request-id'));
    expect(spans.get('fedbroker.verify')?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(spans.get('fedbroker.policy.decide')?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'credential_rejected',
    });
    expect(spans.get('fedbroker.token')?.attributes).toMatchObject({
      'fedbroker.outcome': 'denied',
      'fedbroker.error': 'credential_rejected',
      'fedbroker.grant': 'jwt-bearer',
    });
    expect(spans.get('fedbroker.audit.commit')?.attributes).toMatchObject({ 'fedbroker.outcome': 'denied' });
    expect(spans.has('fedbroker.mint')).toBe(false);
    expectNoSecret([...spans.values()], [stranger]);
  });
});

/** No attribute, event or status of `spans` holds a credential or a piece of one. */
function expectNoSecret(spans: ReadableSpan[], secrets: string[]): void {
  const text = JSON.stringify(
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      status: span.status,
    })),
  );
  for (const secret of secrets) {
    for (const part of secret.split('.')) expect(text).not.toContain(part);
  }
}
