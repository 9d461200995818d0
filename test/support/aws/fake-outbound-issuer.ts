import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { sendJson, serveLoopback } from './serve-loopback';

/** The algorithms `GetWebIdentityToken` takes as `SigningAlgorithm`, and the kids AWS publishes. */
const KIDS = { RS256: 'RSA_0', ES384: 'EC384_0' } as const;
type SigningAlgorithm = keyof typeof KIDS;

/** What `GetWebIdentityToken` is asked for, and the session it is asked from. */
export interface WebIdentityTokenRequest {
  /** The role whose session asks; `sub` is the role's ARN. */
  roleName: string;
  /** `Audience` (1 to 10 values); one value becomes a string `aud`, as AWS issues it. */
  audience: string | string[];
  /** `DurationSeconds`: 60 to 3600, default 300. */
  durationSeconds?: number;
  signingAlgorithm?: SigningAlgorithm;
  /** `Tags`: become `request_tags`. */
  tags?: Record<string, string>;
  /** Replaces members of the `https://sts.amazonaws.com/` claim (`undefined` removes one). */
  aws?: Record<string, unknown>;
  /** Replaces top-level claims (`undefined` removes one). */
  claims?: Record<string, unknown>;
}

/** One account's outbound identity federation issuer. */
export interface FakeOutboundIssuer {
  /** The account-specific issuer URL (`https://<uuid>.tokens.sts.global.api.aws` in AWS). */
  issuer: string;
  requests: { discovery: number; jwks: number };
  /** Issues a JWT as `GetWebIdentityToken` would, at the clock's time. */
  mint(request: WebIdentityTokenRequest): Promise<string>;
  close(): Promise<void>;
}

interface IssuerKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

function applyOverrides(target: Record<string, unknown>, overrides: Record<string, unknown> = {}): void {
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[name];
    else target[name] = value;
  }
}

/**
 * Starts an account's IAM outbound identity federation issuer on 127.0.0.1: it serves
 * `/.well-known/openid-configuration` and `/.well-known/jwks.json` (an RS256 key `RSA_0` and an
 * ES384 key `EC384_0`, as AWS publishes them) and mints `GetWebIdentityToken` JWTs with AWS's claim
 * set (IAM User Guide, "Understanding token claims"): `sub` the role ARN, the account, region,
 * organization and tags under `https://sts.amazonaws.com/`.
 */
export async function startFakeOutboundIssuer(
  account: { id: string; orgId: string; ouPath: string; region: string },
  clock: { now(): Date },
): Promise<FakeOutboundIssuer> {
  const keys = {} as Record<SigningAlgorithm, IssuerKey>;
  for (const alg of Object.keys(KIDS) as SigningAlgorithm[]) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: KIDS[alg], use: 'sig' } };
  }
  const requests = { discovery: 0, jwks: 0 };
  let issuer = '';
  const server = await serveLoopback((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      requests.discovery += 1;
      return sendJson(res, 200, {
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'jti', 'https://sts.amazonaws.com/'],
        id_token_signing_alg_values_supported: ['RS256', 'ES384'],
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        subject_types_supported: ['public'],
      });
    }
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      requests.jwks += 1;
      return sendJson(res, 200, { keys: Object.values(keys).map((key) => key.publicJwk) });
    }
    sendJson(res, 404, { message: 'Not Found' });
  });
  issuer = server.origin;

  const mint = (request: WebIdentityTokenRequest): Promise<string> => {
    const iat = Math.floor(clock.now().getTime() / 1000);
    const alg = request.signingAlgorithm ?? 'RS256';
    const aws: Record<string, unknown> = {
      aws_account: account.id,
      source_region: account.region,
      org_id: account.orgId,
      ou_path: account.ouPath,
      principal_tags: { team: 'payments', environment: 'production' },
      original_session_exp: new Date((iat + 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(request.tags === undefined ? {} : { request_tags: request.tags }),
    };
    applyOverrides(aws, request.aws);
    const audience = [request.audience].flat();
    const claims: JWTPayload = {
      iss: issuer,
      aud: audience.length === 1 ? audience[0] : audience,
      sub: `arn:aws:iam::${account.id}:role/${request.roleName}`,
      iat,
      exp: iat + (request.durationSeconds ?? 300),
      jti: randomUUID(),
      'https://sts.amazonaws.com/': aws,
    };
    applyOverrides(claims, request.claims);
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid: KIDS[alg], typ: 'JWT' })
      .sign(keys[alg].privateKey);
  };

  return { issuer, requests, mint, close: () => server.close() };
}
