import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { problem, PROBLEM_CONTENT_TYPE } from '../errors/problem-details';

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};
const BAD_REQUEST: [number, string] = [400, 'Bad Request'];

/**
 * Answers a request Node's HTTP parser refused before any route saw it (a malformed request line or
 * `Content-Length`, headers over the limit, too slow) and closes the connection: problem+json with
 * a fresh `X-Request-Id`, as every refusal; since the path is unknown, the body also carries the
 * OAuth `error` members (RFC 9457 extension members) a `/token` client reads.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, title] = ANSWERS[error.code ?? ''] ?? BAD_REQUEST;
  const detail = 'the HTTP request could not be read';
  const body = JSON.stringify({
    ...problem(status, title, detail),
    error: 'invalid_request',
    error_description: detail,
  });
  socket.end(
    [
      `HTTP/1.1 ${status} ${title}`,
      `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${randomUUID()}`,
      'Cache-Control: no-store',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
