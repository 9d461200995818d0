import { once } from 'node:events';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FORM = 'application/x-www-form-urlencoded';

describe('a broker shutting down', () => {
  let database: TestDatabase;
  let broker: Broker;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({}, undefined, database);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('finishes the request in flight and answers the next one with an audited RFC 6749 503', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = 'grant_type=password';
    const inFlight = httpRequest(`${broker.url}/token`, {
      method: 'POST',
      agent,
      headers: { 'content-type': FORM, 'content-length': String(body.length), expect: '100-continue' },
    });
    const continued = once(inFlight, 'continue');
    inFlight.flushHeaders();
    await continued;

    const closing = broker.close();
    await until(async () => !(await listening(Number(new URL(broker.url).port))));
    const first = answerOf(inFlight);
    inFlight.end(body);
    const next = httpRequest(`${broker.url}/token`, {
      method: 'POST',
      agent,
      headers: { 'content-type': FORM },
    });
    const second = answerOf(next);
    next.end(body);

    expect((await first).status).toBe(400);
    const refused = await second;
    await closing;
    agent.destroy();
    expect(refused.status).toBe(503);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(refused.body)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the service is shutting down',
    });
    expect(await auditEventsOf(database, refused.headers['x-request-id'])).toEqual([
      { outcome: 'denied', error: 'unavailable' },
    ]);
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function answerOf(request: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
  });
}

/** Whether something accepts connections on `port`: the broker stops listening as it starts closing. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(10);
}

async function auditEventsOf(
  database: TestDatabase,
  requestId: unknown,
): Promise<{ outcome: string; error: string | null }[]> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ outcome: string; error: string | null }>(
      'SELECT outcome, error FROM audit_events WHERE request_id = $1',
      [requestId],
    );
    return rows;
  } finally {
    await client.end();
  }
}
