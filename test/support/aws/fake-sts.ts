import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsPrincipalCredentials } from './aws-principals';
import { readBody, sendJson, serveLoopback } from './serve-loopback';

/** How the fake STS answers: as STS, or failing in one of the ways the broker must survive. */
export type FakeStsMode = 'ok' | 'down' | 'throttled' | 'hang' | 'redirect' | 'not-json' | 'huge';

/** A loopback AWS STS that answers `GetCallerIdentity` for the principals it knows. */
export interface FakeSts {
  /** The origin to allow-list (`FEDBROKER_AWS_STS_ENDPOINTS`). */
  endpoint: string;
  mode: FakeStsMode;
  /** Requests served so far. */
  requests: { getCallerIdentity: number };
  /** Makes credentials known, as IAM would on `AssumeRole` or `CreateAccessKey`. */
  add(principal: AwsPrincipalCredentials): void;
  close(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** STS's own window: a request signed more than 15 min away from its clock is refused. */
const MAX_SKEW_MS = 15 * 60_000;

function stsError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { Error: { Code: code, Message: message, Type: 'Sender' }, RequestId: randomUUID() });
}

function amzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) ?? [];
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** Recomputes the SigV4 signature with the principal's secret, as STS does, and compares. */
async function signatureMatches(
  req: IncomingMessage,
  body: string,
  principal: AwsPrincipalCredentials,
  scope: { region: string; service: string; signedHeaders: string[]; signature: string },
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://sts.invalid');
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) headers[name] = String(req.headers[name] ?? '');
  const [hostname = '', port] = (headers.host ?? '').split(':');
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: principal.accessKeyId,
      secretAccessKey: principal.secretAccessKey,
      ...(principal.sessionToken === undefined ? {} : { sessionToken: principal.sessionToken }),
    },
    region: scope.region,
    service: scope.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname,
      ...(port === undefined ? {} : { port: Number(port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate: amzDate(headers['x-amz-date'] ?? '') },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  return expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(scope.signature));
}

/**
 * Starts a fake AWS STS on 127.0.0.1: `POST /` with `Action=GetCallerIdentity` (query or form body),
 * authenticated by SigV4 exactly as STS checks it (the signature recomputed with the principal's
 * secret over the headers it names, `X-Amz-Date` within 15 min of `clock`, the session token
 * known). Answers JSON when asked (`Accept: application/json`), XML otherwise, and STS's errors.
 */
export async function startFakeSts(clock: { now(): Date }): Promise<FakeSts> {
  const principals = new Map<string, AwsPrincipalCredentials>();
  const state = { mode: 'ok' as FakeStsMode, requests: { getCallerIdentity: 0 } };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    state.requests.getCallerIdentity += 1;
    switch (state.mode) {
      case 'hang':
        return;
      case 'down':
        return stsError(res, 503, 'ServiceUnavailable', 'Service is unable to handle request.');
      case 'throttled':
        return stsError(res, 429, 'Throttling', 'Rate exceeded');
      case 'redirect':
        res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end();
        return;
      case 'not-json':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
        return;
      case 'huge':
        return sendJson(res, 200, { padding: 'x'.repeat(256 * 1024) });
      case 'ok':
        break;
    }
    const url = new URL(req.url ?? '/', 'http://sts.invalid');
    const params = new URLSearchParams([...url.searchParams, ...new URLSearchParams(body)]);
    if (req.method !== 'POST' || params.get('Action') !== 'GetCallerIdentity') {
      return stsError(res, 400, 'InvalidAction', 'Could not find operation');
    }
    const [, keyId = '', , region = '', service = '', signedHeaders = '', signature = ''] =
      AUTHORIZATION.exec(String(req.headers.authorization ?? '')) ?? [];
    const principal = principals.get(keyId);
    if (principal === undefined) {
      return stsError(
        res,
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    const date = String(req.headers['x-amz-date'] ?? '');
    if (Math.abs(amzDate(date).getTime() - clock.now().getTime()) > MAX_SKEW_MS) {
      return stsError(
        res,
        403,
        'SignatureDoesNotMatch',
        `Signature expired: ${date} is now outside the window.`,
      );
    }
    const scope = { region, service, signedHeaders: signedHeaders.split(';'), signature };
    if (
      (principal.sessionToken !== undefined &&
        req.headers['x-amz-security-token'] !== principal.sessionToken) ||
      !(await signatureMatches(req, body, principal, scope))
    ) {
      return stsError(
        res,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match.',
      );
    }
    const result = { Account: principal.account, Arn: principal.arn, UserId: principal.userId };
    const requestId = randomUUID();
    if (req.headers.accept === 'application/json') {
      return sendJson(res, 200, {
        GetCallerIdentityResponse: {
          GetCallerIdentityResult: result,
          ResponseMetadata: { RequestId: requestId },
        },
      });
    }
    res
      .writeHead(200, { 'content-type': 'text/xml' })
      .end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
          `<Arn>${result.Arn}</Arn><UserId>${result.UserId}</UserId><Account>${result.Account}</Account>` +
          `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
          `</GetCallerIdentityResponse>`,
      );
  };

  const server = await serveLoopback(answer);
  return {
    endpoint: server.origin,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeStsMode) {
      state.mode = mode;
    },
    requests: state.requests,
    add: (principal) => void principals.set(principal.accessKeyId, principal),
    close: () => server.close(),
  };
}
