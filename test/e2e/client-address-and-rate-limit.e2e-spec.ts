import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf, startBroker, type Broker } from '../support/broker-harness';
import { JWT_BEARER } from '../support/oauth-urns';

/** A jwt-bearer request with a credential that is not a JWT: cheap, refused with 400, audited. */
const FORM = formOf({ grant_type: JWT_BEARER, assertion: 'not-a-jwt' });

async function post(broker: Broker, forwardedFor?: string): Promise<Response> {
  return fetch(`${broker.url}/token`, {
    method: 'POST',
    body: FORM,
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });
}

async function auditOf(broker: Broker, response: Response): Promise<{ client_ip: string; error: string }> {
  const rows: { client_ip: string; error: string }[] = await broker.runtime.dataSource.query(
    'SELECT client_ip, error FROM audit_events WHERE request_id = $1',
    [response.headers.get('x-request-id')],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('the client address', () => {
  describe('with no trusted proxy (the default)', () => {
    let broker: Broker;
    beforeAll(async () => {
      broker = await startBroker({ FEDBROKER_RATE_LIMIT_PER_CLIENT: '1' });
    });
    afterAll(async () => {
      await broker.close();
    });

    it('is the peer: a spoofed X-Forwarded-For is ignored in the audit event', async () => {
      const response = await post(broker, '203.0.113.9');
      expect(response.status).toBe(400);
      expect((await auditOf(broker, response)).client_ip).toBe('127.0.0.1');
    });

    it('is the peer for the rate limit too: a new X-Forwarded-For does not buy a new allowance', async () => {
      broker.clock.advance(60);
      expect((await post(broker, '198.51.100.1')).status).toBe(400);
      expect((await post(broker, '198.51.100.2')).status).toBe(429);
    });
  });

  describe('behind trusted proxies', () => {
    let broker: Broker;
    beforeAll(async () => {
      broker = await startBroker({
        FEDBROKER_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
        FEDBROKER_RATE_LIMIT_PER_CLIENT: '1',
      });
    });
    afterAll(async () => {
      await broker.close();
    });

    it.each([
      ['one hop', '203.0.113.9', '203.0.113.9'],
      ['the nearest untrusted hop, walking from the right', '198.51.100.7, 203.0.113.9', '203.0.113.9'],
      ['past trusted hops', '198.51.100.7, 10.1.2.3, 10.9.9.9', '198.51.100.7'],
      ['IPv6', '2001:db8::7', '2001:db8::7'],
    ])('is the forwarded address: %s', async (_name, forwardedFor, clientIp) => {
      broker.clock.advance(60);
      const response = await post(broker, forwardedFor);
      expect(response.status).toBe(400);
      expect((await auditOf(broker, response)).client_ip).toBe(clientIp);
    });

    it('is the proxy itself when it forwards nothing', async () => {
      broker.clock.advance(60);
      const response = await post(broker);
      expect((await auditOf(broker, response)).client_ip).toBe('127.0.0.1');
    });

    it('gives each forwarded client its own allowance', async () => {
      broker.clock.advance(60);
      expect((await post(broker, '192.0.2.1')).status).toBe(400);
      expect((await post(broker, '192.0.2.1')).status).toBe(429);
      expect((await post(broker, '192.0.2.2')).status).toBe(400);
    });
  });
});

describe('the per-client rate limit on /token', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ FEDBROKER_RATE_LIMIT_PER_CLIENT: '2' });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('answers 429 temporarily_unavailable with Retry-After once over, audited as rate_limited', async () => {
    expect((await post(broker)).status).toBe(400);
    expect((await post(broker)).status).toBe(400);
    const limited = await post(broker);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(await limited.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many requests from this client address; retry later',
    });
    expect(await auditOf(broker, limited)).toEqual({ client_ip: '127.0.0.1', error: 'rate_limited' });
  });

  it('lets the client in again after Retry-After', async () => {
    broker.clock.advance(30);
    expect((await post(broker)).status).toBe(400);
    expect((await post(broker)).status).toBe(429);
  });

  it('counts requests refused before their body, and leaves other endpoints alone', async () => {
    broker.clock.advance(60);
    expect((await fetch(`${broker.url}/token`)).status).toBe(405);
    expect((await fetch(`${broker.url}/token`)).status).toBe(405);
    expect((await fetch(`${broker.url}/token`)).status).toBe(429);
    expect((await fetch(`${broker.url}/jwks`)).status).toBe(200);
  });
});

describe('with rate limits off', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ FEDBROKER_RATE_LIMIT_PER_CLIENT: '0' });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('never answers 429', async () => {
    const statuses = await Promise.all(Array.from({ length: 30 }, () => post(broker).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([400]));
  });
});
