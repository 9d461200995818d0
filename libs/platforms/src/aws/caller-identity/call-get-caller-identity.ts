import { VerificationError } from '../../errors/verification-error';
import {
  readCallerIdentityAnswer,
  refusalFromSts,
  type CallerIdentityAnswer,
} from './caller-identity-answer';
import type { SignedCallerIdentityRequest } from './signed-caller-identity-request';

/** Transport and limits of the calls to STS. */
export interface StsCallOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  maxResponseBytes: number;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new VerificationError('verifier_unavailable', `STS answered more than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function unreachable(origin: string, controller: AbortController, timeoutMs: number, cause: unknown) {
  const reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : 'the request failed';
  return new VerificationError('verifier_unavailable', `STS at ${origin} cannot be reached: ${reason}`, {
    cause,
  });
}

/**
 * Forwards a checked signed request to STS, byte for byte as signed, asking for JSON, and returns
 * who signed it. No redirect is followed; the answer is capped in time and size.
 *
 * @throws {VerificationError} `signature_invalid` or `expired` when STS refuses the request (4xx),
 * `verifier_unavailable` when STS cannot be reached, fails (5xx, 429, 3xx) or answers oddly.
 */
export async function callGetCallerIdentity(
  request: SignedCallerIdentityRequest,
  options: StsCallOptions,
): Promise<CallerIdentityAnswer> {
  const origin = new URL(request.url).origin;
  let headers: Headers;
  try {
    headers = new Headers(request.headers);
  } catch (cause) {
    throw new VerificationError('malformed', 'the signed request has a header that cannot be sent', {
      cause,
    });
  }
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await options.fetch(request.url, {
        method: 'POST',
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (cause) {
      throw unreachable(origin, controller, options.timeoutMs, cause);
    }
    const body = await readCapped(response, options.maxResponseBytes).catch((cause: unknown) => {
      throw cause instanceof VerificationError
        ? cause
        : unreachable(origin, controller, options.timeoutMs, cause);
    });
    if (response.status === 200) return readCallerIdentityAnswer(body);
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      throw refusalFromSts(response.status, body);
    }
    throw new VerificationError('verifier_unavailable', `STS at ${origin} answered HTTP ${response.status}`);
  } finally {
    clearTimeout(timer);
  }
}
