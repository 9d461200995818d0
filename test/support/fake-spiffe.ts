import { randomInt, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createTestCertificate } from './test-certificate';

/** The JWT-SVID algorithms the fake signs with (SPIRE's `jwt_key_type`: ec-p256 by default). */
export type FakeSpiffeAlg = 'ES256' | 'ES384' | 'RS256' | 'PS256';

/** Options of {@link startFakeSpiffe}. */
export interface FakeSpiffeOptions {
  /** The clock minted tokens use: pass the broker's `TestClock.now`. */
  now: () => Date;
  /** Default `example.org`. */
  trustDomain?: string;
  /** Default ES256. */
  alg?: FakeSpiffeAlg;
  /** Audience of minted tokens when `mint` is given none. Default `https://broker.example/token`. */
  audience?: string;
  /** The bundle's `spiffe_refresh_hint` in seconds; `undefined` leaves it out. Default 300. */
  refreshHintSeconds?: number | undefined;
  /** Serve https with this certificate (the bundle endpoint's https_web profile). Default http. */
  tls?: { key: string; cert: string };
  /** Put the OIDC issuer URL in `iss`, as SPIRE does with `jwt_issuer` set. Default false. */
  jwtIssuer?: boolean;
}

/**
 * What `mint` accepts: the workload's SPIFFE ID path (or a whole `spiffeId`), audience, lifetime,
 * issue time, header overrides and claim overrides (a claim or header member set to `undefined` is
 * removed).
 */
export type FakeSpiffeMintOptions = Record<string, unknown> & {
  path?: string;
  spiffeId?: string;
  aud?: string | string[];
  lifetimeSeconds?: number;
  /** Default the clock's now. */
  at?: Date;
  header?: Record<string, unknown>;
};

/** A SPIFFE bundle document (SPIFFE Trust Domain and Bundle §4), as SPIRE serves it. */
export interface SpiffeBundleDocument {
  keys: JWK[];
  spiffe_sequence: number;
  spiffe_refresh_hint?: number;
}

/** The endpoints the fake serves, as the request counters name them. */
export type FakeSpiffeEndpoint = 'bundle' | 'discovery' | 'keys';

/** A loopback SPIRE-like trust domain: a bundle endpoint and an OIDC Discovery Provider. */
export interface FakeSpiffe {
  trustDomain: string;
  /** `spiffe://<trust domain>`. */
  trustDomainId: string;
  /** The SPIRE server's federation bundle endpoint: it serves the bundle at its root path. */
  bundleEndpointUrl: string;
  /** The OIDC Discovery Provider's issuer: `/.well-known/openid-configuration` and `/keys` below it. */
  issuer: string;
  jwksUri: string;
  /** The trust domain's current bundle: its X.509 CA and its JWT-SVID keys. */
  bundle(): SpiffeBundleDocument;
  /** Served at the bundle endpoint instead of the current bundle when set: a stale or replayed one. */
  servedBundle: SpiffeBundleDocument | undefined;
  /** Mints a JWT-SVID signed with the current key. */
  mint(options?: FakeSpiffeMintOptions): Promise<string>;
  /** Signs with a new key from now on and bumps the sequence; old keys stay unless `dropPrevious`. */
  rotateKey(options?: { dropPrevious?: boolean }): Promise<void>;
  /** The bundle's `spiffe_sequence`; a test may set it back. */
  sequence: number;
  refreshHintSeconds: number | undefined;
  /** `down`: every endpoint answers 503. */
  mode: 'ok' | 'down';
  /** Requests served so far, per endpoint. */
  requests: Record<FakeSpiffeEndpoint, number>;
  /** Resolves once the next request to `endpoint` has been answered. */
  nextRequest(endpoint: FakeSpiffeEndpoint): Promise<void>;
  close(): Promise<void>;
}

interface JwtSvidKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const KID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** SPIRE's JWT key ids: 32 random alphanumeric characters. */
function randomKid(): string {
  return Array.from({ length: 32 }, () => KID_ALPHABET[randomInt(KID_ALPHABET.length)]).join('');
}

async function createJwtSvidKey(alg: FakeSpiffeAlg): Promise<JwtSvidKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomKid();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

async function x509AuthorityJwk(trustDomain: string): Promise<JWK> {
  const ca = await createTestCertificate({
    commonName: trustDomain,
    uris: [`spiffe://${trustDomain}`],
    ca: true,
  });
  const jwk = new X509Certificate(ca.certPem).publicKey.export({ format: 'jwk' }) as JWK;
  return { use: 'x509-svid', ...jwk, x5c: [ca.der] };
}

function withOverrides<T extends Record<string, unknown>>(base: T, overrides: Record<string, unknown>): T {
  const result: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result as T;
}

/**
 * Starts a SPIRE-like trust domain on 127.0.0.1. It serves the SPIFFE bundle at `/` (as SPIRE's
 * federation bundle endpoint does: an X.509 CA entry with `x5c` and `jwt-svid` entries with a
 * `kid`, `spiffe_sequence`, `spiffe_refresh_hint`), and the SPIRE OIDC Discovery Provider's
 * `/.well-known/openid-configuration` and `/keys`. It mints JWT-SVIDs as SPIRE does: header
 * `alg`, `kid`, `typ: JWT`; claims `aud` (a list), `exp`, `iat`, `sub` (the SPIFFE ID) and, with
 * `jwtIssuer`, `iss`; a 5-minute lifetime, SPIRE's default. Time comes only from `options.now`.
 */
export async function startFakeSpiffe(options: FakeSpiffeOptions): Promise<FakeSpiffe> {
  const trustDomain = options.trustDomain ?? 'example.org';
  const alg = options.alg ?? 'ES256';
  const defaultAudience = options.audience ?? 'https://broker.example/token';
  const authority = await x509AuthorityJwk(trustDomain);
  let keys = [await createJwtSvidKey(alg)];
  const waiters = new Map<FakeSpiffeEndpoint, (() => void)[]>();

  const fake: FakeSpiffe = {
    trustDomain,
    trustDomainId: `spiffe://${trustDomain}`,
    bundleEndpointUrl: '',
    issuer: '',
    jwksUri: '',
    sequence: 1,
    refreshHintSeconds: 'refreshHintSeconds' in options ? options.refreshHintSeconds : 300,
    mode: 'ok',
    requests: { bundle: 0, discovery: 0, keys: 0 },
    servedBundle: undefined,
    bundle: () => ({
      keys: [authority, ...keys.map((key) => ({ use: 'jwt-svid', ...key.publicJwk }))],
      ...(fake.refreshHintSeconds === undefined ? {} : { spiffe_refresh_hint: fake.refreshHintSeconds }),
      spiffe_sequence: fake.sequence,
    }),
    async mint(mintOptions = {}) {
      const {
        path = '/ns/default/sa/default',
        spiffeId,
        aud,
        lifetimeSeconds = 300,
        at,
        header = {},
        ...claims
      } = mintOptions;
      const iat = Math.floor((at ?? options.now()).getTime() / 1000);
      const payload: JWTPayload = withOverrides(
        {
          aud: aud === undefined ? [defaultAudience] : [aud].flat(),
          exp: iat + lifetimeSeconds,
          iat,
          ...(options.jwtIssuer === true ? { iss: fake.issuer } : {}),
          sub: spiffeId ?? `spiffe://${trustDomain}${path}`,
        },
        claims,
      );
      const [current] = keys;
      if (current === undefined) throw new Error('the fake trust domain has no JWT key');
      const protectedHeader = withOverrides({ alg, kid: current.kid, typ: 'JWT' }, header);
      return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(current.privateKey);
    },
    async rotateKey(rotateOptions = {}) {
      const next = await createJwtSvidKey(alg);
      keys = rotateOptions.dropPrevious === true ? [next] : [next, ...keys];
      fake.sequence += 1;
    },
    nextRequest: (endpoint) =>
      new Promise<void>((resolve) => waiters.set(endpoint, [...(waiters.get(endpoint) ?? []), resolve])),
    close: () => Promise.resolve(),
  };

  const routes: Record<string, [FakeSpiffeEndpoint, () => unknown]> = {
    '/': ['bundle', () => fake.servedBundle ?? fake.bundle()],
    '/.well-known/openid-configuration': [
      'discovery',
      () => ({
        issuer: fake.issuer,
        jwks_uri: fake.jwksUri,
        authorization_endpoint: '',
        response_types_supported: ['id_token'],
        subject_types_supported: [],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'ES384'],
      }),
    ],
    '/keys': ['keys', () => ({ keys: keys.map((key) => ({ ...key.publicJwk, alg, use: 'sig' })) })],
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const route = req.method === 'GET' ? routes[req.url ?? ''] : undefined;
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const [endpoint, body] = route;
    fake.requests[endpoint] += 1;
    const [status, document] = fake.mode === 'down' ? [503, { error: 'unavailable' }] : [200, body()];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(document), () => {
      for (const resolve of waiters.get(endpoint) ?? []) resolve();
      waiters.delete(endpoint);
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.bundleEndpointUrl = `${base}/`;
  fake.issuer = base;
  fake.jwksUri = `${base}/keys`;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return fake;
}
