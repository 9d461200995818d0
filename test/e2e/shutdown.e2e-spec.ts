import { once } from 'node:events';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FORM = 'application/x-www-form-urlencoded';

describe('a broker shutting down', () => {
  let database: TestDatabase;
  let broker: Broker;
  let closing: Promise<void> | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    broker = await startBroker({}, undefined, database);
    closing = undefined;
  });

  afterEach(async () => {
    await (closing ?? broker.close());
    await database.drop();
  });

  it('answers /token with an audited RFC 6749 503 and fails readiness once it is stopping', async () => {
    broker.runtime.beginStopping();
    const refused = await broker.token({ grant_type: 'password' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('connection')).toBe('close');
    expect(await refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the service is shutting down',
    });
    expect(await auditEventsOf(database, refused.headers.get('x-request-id'))).toEqual([
      { outcome: 'denied', error: 'unavailable' },
    ]);
    expect((await fetch(`${broker.url}/readyz`)).status).toBe(503);
  });

  it('finishes the request in flight when it closes', async () => {
    const body = 'grant_type=password';
    const inFlight = httpRequest(`${broker.url}/token`, {
      method: 'POST',
      agent: new Agent({ keepAlive: true }),
      headers: { 'content-type': FORM, 'content-length': String(body.length), expect: '100-continue' },
    });
    const continued = once(inFlight, 'continue');
    inFlight.flushHeaders();
    await continued;

    closing = broker.close();
    await until(async () => !(await listening(Number(new URL(broker.url).port))));
    const answer = answerOf(inFlight);
    inFlight.end(body);
    const finished = await answer;
    await closing;
    expect(finished.status).toBe(400);
    expect(JSON.parse(finished.body)).toMatchObject({ error: 'unsupported_grant_type' });
    expect(finished.headers.connection).toBe('close');
    expect(await auditEventsOf(database, finished.headers['x-request-id'])).toHaveLength(1);
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
