import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** Options of {@link startFakeKubernetesIssuer}. */
export interface FakeKubernetesIssuerOptions {
  /** Signing algorithm. Default RS256, as kube-apiserver uses. */
  alg?: 'RS256' | 'ES256';
  /** Audience of minted tokens when `mint` is given none. Default `https://broker.example/token`. */
  audience?: string;
  /** The clock tokens are minted at when `mint` is given no `now`: the broker's test clock. */
  clock?: { now(): Date };
}

/**
 * What `mint` accepts: the workload's names and the token's audience, lifetime and clock, plus any
 * claim overrides (a claim set to `undefined` is removed).
 */
export type FakeKubernetesMintOptions = Record<string, unknown> & {
  namespace?: string;
  serviceAccount?: string;
  podName?: string;
  aud?: string | string[];
  lifetimeSeconds?: number;
  now?: Date;
  /** Sign without a `kid` in the header. */
  withoutKid?: boolean;
};

/** A loopback Kubernetes service-account issuer for e2e tests. */
export interface FakeKubernetesIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of minted tokens and the discovery base. */
  issuer: string;
  jwksUri: string;
  /** Mints a projected service-account token, signed with the current key. */
  mint(options?: FakeKubernetesMintOptions): Promise<string>;
  /** Signs with a new key from now on; the old keys stay published unless `dropPrevious`. */
  rotateKey(options?: { dropPrevious?: boolean }): Promise<void>;
  /** Requests served so far, per endpoint. */
  requests: { discovery: number; jwks: number };
  close(): Promise<void>;
}

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

function stableUid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The `uid` the fake issuer gives a service account, as it writes it in the tokens it mints. */
export function serviceAccountUid(namespace: string, serviceAccount: string): string {
  return stableUid('serviceaccount', namespace, serviceAccount);
}

async function createIssuerKey(alg: 'RS256' | 'ES256'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const der = Buffer.from(
    (await exportSPKI(publicKey)).replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
    'base64',
  );
  const kid = createHash('sha256').update(der).digest('base64url');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * Starts a fake Kubernetes API server's service-account issuer on 127.0.0.1: it serves
 * `/.well-known/openid-configuration` and `/openid/v1/jwks` as kube-apiserver does, and mints
 * projected tokens shaped like the TokenRequest API's (nested `kubernetes.io` claim with
 * namespace, node, pod, service account and `warnafter`; `sub` `system:serviceaccount:<ns>:<sa>`;
 * `kid` = base64url SHA-256 of the SPKI; a `jti`).
 */
export async function startFakeKubernetesIssuer(
  options: FakeKubernetesIssuerOptions = {},
): Promise<FakeKubernetesIssuer> {
  const alg = options.alg ?? 'RS256';
  const defaultAudience = options.audience ?? 'https://broker.example/token';
  let keys = [await createIssuerKey(alg)];
  const requests = { discovery: 0, jwks: 0 };
  let issuer = '';

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      requests.discovery += 1;
      send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/openid/v1/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [alg],
      });
      return;
    }
    if (req.method === 'GET' && req.url === '/openid/v1/jwks') {
      requests.jwks += 1;
      send(res, 200, { keys: keys.map((key) => key.publicJwk) });
      return;
    }
    send(res, 404, { kind: 'Status', status: 'Failure', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mint = async (mintOptions: FakeKubernetesMintOptions = {}): Promise<string> => {
    const {
      namespace = 'default',
      serviceAccount = 'default',
      podName,
      aud,
      lifetimeSeconds = 3600,
      now,
      withoutKid = false,
      ...overrides
    } = mintOptions;
    const iat = Math.floor((now ?? options.clock?.now() ?? new Date()).getTime() / 1000);
    const pod = podName ?? `${serviceAccount}-5d8f7b9c6d-x2x4k`;
    const claims: JWTPayload = {
      aud: aud === undefined ? [defaultAudience] : [aud].flat(),
      exp: iat + lifetimeSeconds,
      iat,
      iss: issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace,
        node: { name: 'kind-control-plane', uid: stableUid('node', 'kind-control-plane') },
        pod: { name: pod, uid: stableUid('pod', namespace, pod) },
        serviceaccount: { name: serviceAccount, uid: stableUid('serviceaccount', namespace, serviceAccount) },
        warnafter: iat + Math.min(lifetimeSeconds, 3607),
      },
      nbf: iat,
      sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) {
        delete claims[name];
      } else {
        claims[name] = value;
      }
    }
    const [current] = keys;
    if (current === undefined) {
      throw new Error('the fake issuer has no key');
    }
    const header = withoutKid ? { alg } : { alg, kid: current.kid };
    return new SignJWT(claims).setProtectedHeader(header).sign(current.privateKey);
  };

  return {
    issuer,
    jwksUri: `${issuer}/openid/v1/jwks`,
    mint,
    async rotateKey(rotateOptions = {}) {
      const next = await createIssuerKey(alg);
      keys = rotateOptions.dropPrevious === true ? [next] : [next, ...keys];
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
