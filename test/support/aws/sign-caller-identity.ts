import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsPrincipalCredentials } from './aws-principals';

/** What a workload signs, as the AWS SDK would, to prove who it is to fedbroker. */
export interface CallerIdentitySigning {
  credentials: AwsPrincipalCredentials;
  /** The STS origin (`https://sts.us-east-1.amazonaws.com`, or a fake's). */
  endpoint: string;
  /** The signing region of the credential scope. Default `us-east-1`. */
  region?: string;
  /** The value of the signed `x-fedbroker-audience` header; `undefined` leaves the header out. */
  audience: string | undefined;
  /** The signing time (`X-Amz-Date`): the test clock's now. */
  signedAt: Date;
  /** Extra headers, signed with the rest. */
  headers?: Record<string, string>;
  /** Send `Action` and `Version` as a form body instead of the query string. */
  formBody?: boolean;
}

/** Google's serialized form of a signed request (the `aws4_request` subject token, decoded). */
export interface SerializedSignedRequest {
  url: string;
  method: string;
  headers: { key: string; value: string }[];
  body?: string;
}

const QUERY = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

/**
 * Signs `POST /?Action=GetCallerIdentity&Version=2011-06-15` with SigV4 (`@smithy/signature-v4`, as
 * the AWS SDK for JavaScript signs) and serializes it as Google's STS expects an `aws4_request`
 * subject token: `{"url", "method", "headers": [{"key", "value"}…]}`.
 */
export async function signCallerIdentityRequest(
  signing: CallerIdentitySigning,
): Promise<SerializedSignedRequest> {
  const url = new URL(signing.endpoint);
  const body = signing.formBody ? new URLSearchParams(QUERY).toString() : undefined;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: signing.credentials.accessKeyId,
      secretAccessKey: signing.credentials.secretAccessKey,
      ...(signing.credentials.sessionToken === undefined
        ? {}
        : { sessionToken: signing.credentials.sessionToken }),
    },
    region: signing.region ?? 'us-east-1',
    service: 'sts',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: '/',
      query: signing.formBody ? {} : QUERY,
      headers: {
        host: url.host,
        ...(signing.audience === undefined ? {} : { 'x-fedbroker-audience': signing.audience }),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }),
        ...signing.headers,
      },
      ...(body === undefined ? {} : { body }),
    },
    { signingDate: signing.signedAt },
  );
  return {
    url: signing.formBody ? `${url.origin}/` : `${url.origin}/?${new URLSearchParams(QUERY).toString()}`,
    method: 'POST',
    headers: Object.entries(signed.headers).map(([key, value]) => ({ key, value: String(value) })),
    ...(body === undefined ? {} : { body }),
  };
}

/** The `aws4_request` subject token: the serialized request, URL-encoded as Google's clients send it. */
export function callerIdentityToken(request: SerializedSignedRequest): string {
  return encodeURIComponent(JSON.stringify(request));
}
