import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: unknown;
}

/** Sends `request` as written, byte for byte, and reads the answer until the connection closes. */
function sendRaw(baseUrl: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: body === '' ? undefined : JSON.parse(body),
      });
    });
  });
}

const REFUSED: [string, string, number][] = [
  [
    'a Content-Length that is no number',
    'POST /admin/v1/platforms HTTP/1.1\r\nHost: b\r\nContent-Length: abc\r\n\r\n',
    400,
  ],
  ['a method no one knows', 'FOO /token HTTP/1.1\r\nHost: b\r\n\r\n', 400],
  [
    'headers over the limit',
    `GET /admin/v1/platforms HTTP/1.1\r\nHost: b\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    431,
  ],
];

function expectProblem(answer: RawAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.body).toMatchObject({
    status,
    title: expect.any(String) as string,
    error: 'invalid_request',
  });
}

describe('requests the HTTP parser refuses', () => {
  let broker: Broker;
  let split: Broker;

  beforeAll(async () => {
    broker = await startBroker();
    split = await startBroker({ FEDBROKER_ADMIN_PORT: '0' });
  });
  afterAll(async () => {
    await Promise.all([broker?.close(), split?.close()]);
  });

  it.each(REFUSED)('answers %s with problem+json and a request id', async (_name, request, status) => {
    expectProblem(await sendRaw(broker.url, request), status);
  });

  it.each(REFUSED)('answers %s so on the admin listener too', async (_name, request, status) => {
    expectProblem(await sendRaw(split.adminUrl ?? '', request), status);
  });
});
