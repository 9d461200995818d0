import { invalidClaim, missingClaim } from '../../errors/claim-errors';
import { VerificationError } from '../../errors/verification-error';
import type { SerializedRequest } from './decode-signed-request';
import { parseSigV4Authorization, type SigV4Authorization } from './sigv4-authorization';
import type { SignedCallerIdentityRequest } from './signed-caller-identity-request';
import type { StsEndpoints } from './sts-endpoints';

/** The signed header that binds a request to the broker (Google's STS uses `x-goog-cloud-target-resource`). */
export const AUDIENCE_HEADER = 'x-fedbroker-audience';

/** The only call a signed request may make. */
const CALLER_IDENTITY_PARAMETERS = [
  ['Action', 'GetCallerIdentity'],
  ['Version', '2011-06-15'],
];

/** Connection-level headers (RFC 9110 §7.6.1) that are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function headerMap(request: SerializedRequest): Map<string, string> {
  const headers = new Map<string, string>();
  for (const { key, value } of request.headers) {
    const name = key.toLowerCase();
    if (headers.has(name)) throw new VerificationError('malformed', `the ${name} header is repeated`);
    if (HOP_BY_HOP.has(name)) throw new VerificationError('malformed', `the ${name} header is not accepted`);
    headers.set(name, value);
  }
  return headers;
}

function allowedUrl(request: SerializedRequest, endpoints: StsEndpoints): URL {
  if (request.method !== 'POST') {
    throw new VerificationError('claim_invalid', 'only POST GetCallerIdentity requests are accepted');
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (cause) {
    throw new VerificationError('malformed', 'the signed request URL is not a URL', { cause });
  }
  if (!endpoints.allows(url)) {
    throw new VerificationError(
      'issuer_not_trusted',
      'the request is not addressed to an allowed STS endpoint',
    );
  }
  if (url.pathname !== '/') {
    throw new VerificationError('claim_invalid', 'the request path must be /');
  }
  return url;
}

/** Action and Version, from the query string and the form body together, each once and nothing else. */
function checkAction(url: URL, body: string | undefined, headers: Map<string, string>): void {
  const parameters = [...url.searchParams];
  if (body !== undefined && body !== '') {
    const type = headers.get('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded(\s*;\s*charset=utf-8)?$/i.test(type)) {
      throw new VerificationError(
        'claim_invalid',
        'a request body must be application/x-www-form-urlencoded',
      );
    }
    parameters.push(...new URLSearchParams(body));
  }
  const exact =
    parameters.length === CALLER_IDENTITY_PARAMETERS.length &&
    CALLER_IDENTITY_PARAMETERS.every(([name, value]) =>
      parameters.some(([n, v]) => n === name && v === value),
    );
  if (!exact) {
    throw new VerificationError(
      'claim_invalid',
      'only Action=GetCallerIdentity&Version=2011-06-15 is accepted',
    );
  }
}

function signedAt(value: string | undefined, authorization: SigV4Authorization): number {
  const [, y, mo, d, h, mi, s] = AMZ_DATE.exec(value ?? '') ?? [];
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== iso) {
    throw new VerificationError('malformed', 'the x-amz-date header is not an ISO 8601 basic date-time');
  }
  if (`${y}${mo}${d}` !== authorization.date) {
    throw new VerificationError('malformed', 'the x-amz-date header does not match the credential scope');
  }
  return ms / 1000;
}

function checkSignedHeaders(headers: Map<string, string>, authorization: SigV4Authorization): string {
  const audience = headers.get(AUDIENCE_HEADER);
  if (audience === undefined || audience === '') {
    throw missingClaim(AUDIENCE_HEADER, `the ${AUDIENCE_HEADER} header is missing`);
  }
  for (const required of ['host', 'x-amz-date', AUDIENCE_HEADER]) {
    if (!authorization.signedHeaders.includes(required)) {
      throw invalidClaim(required, `the ${required} header is not signed`);
    }
  }
  for (const name of authorization.signedHeaders) {
    if (!headers.has(name)) throw new VerificationError('malformed', `the signed header ${name} is missing`);
  }
  return audience;
}

/**
 * Checks a serialized signed request before anything is sent: `POST` to an allowed STS endpoint
 * at `/`, only `Action=GetCallerIdentity&Version=2011-06-15`, a SigV4 `Authorization` for the `sts`
 * service that signs `host`, `x-amz-date` and `x-fedbroker-audience`, a `host` equal to the URL's,
 * and an `Accept` (if any) of `application/json`. Freshness is checked by the caller.
 *
 * @throws {VerificationError} when the request is refused.
 */
export function readSignedRequest(
  request: SerializedRequest,
  endpoints: StsEndpoints,
): SignedCallerIdentityRequest {
  const url = allowedUrl(request, endpoints);
  const headers = headerMap(request);
  checkAction(url, request.body, headers);
  const value = headers.get('authorization');
  if (value === undefined) throw new VerificationError('malformed', 'the request is not signed');
  const authorization = parseSigV4Authorization(value);
  if (authorization.service !== 'sts') {
    throw new VerificationError('claim_invalid', 'the request is not signed for the sts service');
  }
  const audience = checkSignedHeaders(headers, authorization);
  if (headers.get('host')?.toLowerCase() !== url.host) {
    throw invalidClaim('host', 'the host header does not match the URL');
  }
  const accept = headers.get('accept');
  if (accept !== undefined && accept !== 'application/json') {
    throw invalidClaim('accept', 'the accept header must be application/json');
  }
  const length = headers.get('content-length');
  if (length !== undefined && length !== String(Buffer.byteLength(request.body ?? ''))) {
    throw new VerificationError('malformed', 'the content-length header does not match the body');
  }
  return {
    url: request.url,
    headers: [...headers].filter(([name]) => name !== 'host' && name !== 'content-length'),
    body: request.body,
    audience,
    signedAt: signedAt(headers.get('x-amz-date'), authorization),
    region: authorization.region,
    signature: authorization.signature,
  };
}
