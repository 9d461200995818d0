import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { parsePrometheusText, valueOf, type Sample } from '../support/prometheus-text';

const clock = new TestClock();
const API = 'https://api.payments.example';
const AUDIENCE = 'https://broker.test/token';

describe('GET /metrics', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let stranger: FakeKubernetesIssuer;
  let samples: Sample[];

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${broker.adminUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parsePrometheusText(await response.text());
  };

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    stranger = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker(
      { FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', FEDBROKER_ADMIN_PORT: '0', FEDBROKER_ADMIN_HOST: '127.0.0.1' },
      clock,
    );
    const writes: [string, unknown][] = [
      ['/admin/v1/platforms', { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer }],
      [
        '/admin/v1/platforms',
        { name: 'gone', kind: 'kubernetes', issuer: 'https://gone.test', jwksUri: 'http://127.0.0.1:9/keys' },
      ],
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

    // A key the broker has not seen, past the refetch cooldown: /token fetches the keys again.
    await cluster.rotateKey();
    clock.advance(120);
    const answers = [
      await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await cluster.mint({ namespace: 'payments', aud: AUDIENCE }),
        subject_token_type: JWT_TYPE,
      }),
      await broker.token({
        grant_type: JWT_BEARER,
        assertion: await cluster.mint({ namespace: 'billing', aud: AUDIENCE }),
      }),
      await broker.token({
        grant_type: JWT_BEARER,
        assertion: await stranger.mint({ namespace: 'payments', aud: AUDIENCE }),
      }),
      await broker.token({ grant_type: 'urn:example:made-up-grant-0c6f', assertion: 'x' }),
      await fetch(`${broker.url}/nothing-here-7d1e`),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 400, 400, 404]);
    samples = await scrape();
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
    await stranger.close();
  });

  it('counts /token requests by grant, outcome, error code and registered platform', () => {
    const count = (labels: Record<string, string>) =>
      valueOf(samples, 'fedbroker_token_requests_total', labels);
    expect(count({ grant: 'token-exchange', outcome: 'issued', error: 'none', platform: 'cluster' })).toBe(1);
    expect(
      count({ grant: 'jwt-bearer', outcome: 'denied', error: 'credential_rejected', platform: 'cluster' }),
    ).toBe(1);
    expect(
      count({ grant: 'jwt-bearer', outcome: 'denied', error: 'credential_rejected', platform: 'unknown' }),
    ).toBe(1);
    expect(
      count({ grant: 'unknown', outcome: 'denied', error: 'unsupported_grant_type', platform: 'unknown' }),
    ).toBe(1);
    const total = samples
      .filter((sample) => sample.name === 'fedbroker_token_requests_total')
      .reduce((sum, sample) => sum + sample.value, 0);
    expect(total).toBe(4);
  });

  it('times requests by route pattern, an unmatched path under one label', () => {
    const http = 'fedbroker_http_request_duration_seconds_count';
    expect(valueOf(samples, http, { route: '/token', method: 'POST', status: '200' })).toBe(1);
    expect(valueOf(samples, http, { route: '/token', method: 'POST', status: '400' })).toBe(3);
    expect(valueOf(samples, http, { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(samples.some((sample) => JSON.stringify(sample.labels).includes('nothing-here'))).toBe(false);
    expect(
      valueOf(samples, 'fedbroker_token_request_duration_seconds_count', {
        grant: 'token-exchange',
        outcome: 'issued',
      }),
    ).toBe(1);
  });

  it('reports audit batches: rows, sizes, commit latency, queue depth', async () => {
    const [{ count }] = await broker.runtime.dataSource.query<[{ count: string }]>(
      'SELECT count(*) FROM audit_events',
    );
    expect(valueOf(samples, 'fedbroker_audit_rows_total', { result: 'committed' })).toBe(Number(count));
    expect(valueOf(samples, 'fedbroker_audit_batch_rows_sum')).toBe(Number(count));
    const batches = valueOf(samples, 'fedbroker_audit_batch_rows_count');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'fedbroker_audit_commit_duration_seconds_count')).toBe(batches);
    expect(valueOf(samples, 'fedbroker_audit_queue_depth')).toBe(0);
  });

  it('counts key fetches by platform, source and result', () => {
    const fetches = (labels: Record<string, string>) =>
      valueOf(samples, 'fedbroker_key_fetches_total', labels);
    // One when the platform was registered, one for the key it had rotated to.
    expect(fetches({ platform: 'cluster', source: 'oidc-discovery', result: 'ok' })).toBe(2);
    expect(fetches({ platform: 'gone', source: 'jwks-uri', result: 'error' })).toBe(1);
    expect(valueOf(samples, 'fedbroker_key_fetch_duration_seconds_count', { source: 'oidc-discovery' })).toBe(
      2,
    );
  });

  it('shows the catalog: version, sizes, reloads', async () => {
    const [{ version }] = await broker.runtime.dataSource.query<[{ version: string }]>(
      'SELECT version FROM catalog_state',
    );
    expect(valueOf(samples, 'fedbroker_catalog_version')).toBe(Number(version));
    expect(valueOf(samples, 'fedbroker_platforms')).toBe(2);
    expect(valueOf(samples, 'fedbroker_policies')).toBe(1);
    expect(valueOf(samples, 'fedbroker_catalog_reloads_total', { result: 'ok' })).toBeGreaterThanOrEqual(4);
    expect(valueOf(samples, 'fedbroker_catalog_reload_duration_seconds_count')).toBe(
      valueOf(samples, 'fedbroker_catalog_reloads_total', { result: 'ok' }),
    );
  });

  it('gives the signing key’s age by the broker’s clock', async () => {
    expect(valueOf(samples, 'fedbroker_signing_key_age_seconds')).toBe(120);
    clock.advance(30);
    expect(valueOf(await scrape(), 'fedbroker_signing_key_age_seconds')).toBe(150);
  });

  it('follows the Prometheus naming conventions', async () => {
    const metrics = await broker.runtime.metrics.registry.getMetricsAsJSON();
    const own = metrics.filter((metric) => metric.name.startsWith('fedbroker_'));
    expect(own.length).toBeGreaterThanOrEqual(15);
    for (const metric of own) {
      expect(metric.help).not.toBe('');
      if (String(metric.type) === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (/duration|age|latency/.test(metric.name)) expect(metric.name).toMatch(/_seconds$/);
    }
    expect(metrics.some((metric) => metric.name === 'process_cpu_seconds_total')).toBe(true);
  });
});
