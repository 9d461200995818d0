import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A Google service account, as its tokens name it. */
export interface FakeServiceAccount {
  /** The numeric unique ID (`sub`, `azp`). */
  id: string;
  email: string;
}

/** A Compute Engine instance, as `google.compute_engine` describes it. */
export interface FakeInstance {
  projectId: string;
  /** A JSON number in real tokens. */
  projectNumber: number;
  zone: string;
  instanceId: string;
  instanceName: string;
  /** Seconds since the epoch. */
  creationTimestamp: number;
  licenseIds: string[];
}

/** Options of {@link startFakeGcp}. */
export interface FakeGcpOptions {
  /** The clock every token is minted with: the broker's `TestClock.now`, never wall time. */
  now: () => Date;
  serviceAccount?: Partial<FakeServiceAccount>;
  instance?: Partial<FakeInstance>;
}

/**
 * What `mint` accepts: the metadata server's query (`audience`, `format`, `licenses`), who asks,
 * the lifetime, and claim overrides (a claim set to `undefined` is removed).
 */
export type FakeGcpMintOptions = Record<string, unknown> & {
  audience?: string;
  /** `standard` (the metadata server's default) has no `email` and no instance. Default `full`. */
  format?: 'standard' | 'full';
  /** Adds `license_id` to a `full` token. Default true. */
  licenses?: boolean;
  serviceAccount?: Partial<FakeServiceAccount>;
  /** `null`: not on Compute Engine (Cloud Run, Cloud Functions), so no `google.compute_engine`. */
  instance?: Partial<FakeInstance> | null;
  lifetimeSeconds?: number;
};

/** What `mintUserIdToken` accepts: the OAuth client, the user, and claim overrides. */
export type FakeGcpUserMintOptions = Record<string, unknown> & {
  clientId?: string;
  email?: string;
};

/**
 * A loopback stand-in for Google's identity-token issuer (`https://accounts.google.com`), its key
 * endpoint and a Compute Engine metadata server, all on one origin.
 */
export interface FakeGcp {
  /** `http://127.0.0.1:<port>`: the `iss` of minted tokens and the discovery base. */
  issuer: string;
  /** `<issuer>/oauth2/v3/certs`, the path Google's discovery names. */
  jwksUri: string;
  /** `<issuer>/computeMetadata/v1`, where the metadata server's paths begin. */
  metadataUrl: string;
  serviceAccount: FakeServiceAccount;
  instance: FakeInstance;
  /** Mints an identity token as the metadata server does for the instance's service account. */
  mint(options?: FakeGcpMintOptions): Promise<string>;
  /** Mints a Sign-In with Google ID token of a user, signed with the same keys. */
  mintUserIdToken(audience: string, options?: FakeGcpUserMintOptions): Promise<string>;
  /** Signs with a new key from now on; the old keys stay published unless `dropPrevious`. */
  rotateKey(options?: { dropPrevious?: boolean }): Promise<void>;
  /** Answer 503 on discovery and certs (the metadata server keeps minting). */
  keysDown: boolean;
  /** Requests served so far, per endpoint. */
  requests: { discovery: number; certs: number; identity: number };
  close(): Promise<void>;
}

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const IDENTITY_PATH = /^\/computeMetadata\/v1\/instance\/service-accounts\/([^/]+)\/identity$/;

async function createIssuerKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function defaultInstance(now: Date, overrides: Partial<FakeInstance> = {}): FakeInstance {
  return {
    projectId: 'payments-prod-4821',
    projectNumber: 493027118265,
    zone: 'europe-west1-b',
    instanceId: '7046172935828107613',
    instanceName: 'payments-worker-1',
    creationTimestamp: Math.floor(now.getTime() / 1000) - 86_400,
    licenseIds: ['3853522013536123851'],
    ...overrides,
  };
}

function applyOverrides(claims: JWTPayload, overrides: Record<string, unknown>): JWTPayload {
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/v1/userinfo`,
    revocation_endpoint: `${issuer}/revoke`,
    jwks_uri: `${issuer}/oauth2/v3/certs`,
    response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'none'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'picture', 'sub'],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

/**
 * Starts a fake Google on 127.0.0.1. It serves `/.well-known/openid-configuration` and
 * `/oauth2/v3/certs` as Google's issuer does, and the metadata server's
 * `/computeMetadata/v1/instance/service-accounts/{default|email}/identity?audience=…&format=…&licenses=…`
 * (which requires `Metadata-Flavor: Google`). Tokens are shaped as the real ones: `aud`, `azp` =
 * `sub` = the account's unique ID, `exp` = `iat` + 1 h, and with `format=full` `email`,
 * `email_verified` and `google.compute_engine` (`project_number` a JSON number); RS256 with a
 * 40-hex-digit `kid`, and two published keys, as Google publishes.
 */
export async function startFakeGcp(options: FakeGcpOptions): Promise<FakeGcp> {
  const projectNumber = options.instance?.projectNumber ?? 493027118265;
  const serviceAccount: FakeServiceAccount = {
    id: '108914023563917265834',
    email: `${projectNumber}-compute@developer.gserviceaccount.com`,
    ...options.serviceAccount,
  };
  const instance = defaultInstance(options.now(), { projectNumber, ...options.instance });
  let keys: IssuerKey[] = await Promise.all([createIssuerKey(), createIssuerKey()]);
  const requests = { discovery: 0, certs: 0, identity: 0 };
  let issuer = '';

  const sign = (claims: JWTPayload): Promise<string> => {
    const [current] = keys;
    if (current === undefined) throw new Error('the fake issuer has no key');
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'JWT' })
      .sign(current.privateKey);
  };

  const mint = (mintOptions: FakeGcpMintOptions = {}): Promise<string> => {
    const {
      audience = 'https://broker.example/token',
      format = 'full',
      licenses = true,
      serviceAccount: accountOverrides,
      instance: instanceOverrides,
      lifetimeSeconds = 3600,
      ...overrides
    } = mintOptions;
    const account = { ...serviceAccount, ...accountOverrides };
    const iat = Math.floor(options.now().getTime() / 1000);
    const claims: JWTPayload = { aud: audience, azp: account.id };
    if (format === 'full') {
      claims.email = account.email;
      claims.email_verified = true;
    }
    claims.exp = iat + lifetimeSeconds;
    if (format === 'full' && instanceOverrides !== null) {
      const vm = { ...instance, ...instanceOverrides };
      claims.google = {
        compute_engine: {
          instance_creation_timestamp: vm.creationTimestamp,
          instance_id: vm.instanceId,
          instance_name: vm.instanceName,
          ...(licenses ? { license_id: vm.licenseIds } : {}),
          project_id: vm.projectId,
          project_number: vm.projectNumber,
          zone: vm.zone,
        },
      };
    }
    Object.assign(claims, { iat, iss: issuer, sub: account.id });
    return sign(applyOverrides(claims, overrides));
  };

  const mintUserIdToken = (audience: string, userOptions: FakeGcpUserMintOptions = {}): Promise<string> => {
    const {
      clientId = '407408718192-hq3q4kdmk5bqk6v0jm8a3s2mh4v9e1rb.apps.googleusercontent.com',
      email = 'alice.example@gmail.com',
      ...overrides
    } = userOptions;
    const iat = Math.floor(options.now().getTime() / 1000);
    const claims: JWTPayload = {
      iss: issuer,
      azp: clientId,
      aud: audience,
      sub: '117430281950375816204',
      email,
      email_verified: true,
      at_hash: randomBytes(16).toString('base64url'),
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      iat,
      exp: iat + 3600,
    };
    return sign(applyOverrides(claims, overrides));
  };

  const state: FakeGcp = {
    issuer: '',
    jwksUri: '',
    metadataUrl: '',
    serviceAccount,
    instance,
    mint,
    mintUserIdToken,
    async rotateKey(rotateOptions = {}) {
      const next = await createIssuerKey();
      keys = rotateOptions.dropPrevious === true ? [next] : [next, ...keys];
    },
    keysDown: false,
    requests,
    close: () => Promise.resolve(),
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  };
  const sendText = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain', 'metadata-flavor': 'Google' }).end(body);
  };

  const identity = async (req: IncomingMessage, res: ServerResponse, url: URL, account: string) => {
    requests.identity += 1;
    if (req.headers['metadata-flavor'] !== 'Google') {
      return sendText(res, 403, 'Missing required header: Metadata-Flavor: Google');
    }
    if (account !== 'default' && account !== serviceAccount.email) {
      return sendText(res, 404, 'Not Found');
    }
    const audience = url.searchParams.get('audience') ?? '';
    if (audience === '') return sendText(res, 400, 'non-empty audience parameter required');
    const format = url.searchParams.get('format') === 'full' ? 'full' : 'standard';
    const licenses = url.searchParams.get('licenses')?.toUpperCase() === 'TRUE';
    sendText(res, 200, await mint({ audience, format, licenses }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', issuer);
    const account = IDENTITY_PATH.exec(url.pathname)?.[1];
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'method_not_allowed' });
    if (account !== undefined) return identity(req, res, url, decodeURIComponent(account));
    if (url.pathname === '/.well-known/openid-configuration') {
      requests.discovery += 1;
      if (state.keysDown) return sendJson(res, 503, { error: 'unavailable' });
      return sendJson(res, 200, discoveryDocument(issuer));
    }
    if (url.pathname === '/oauth2/v3/certs') {
      requests.certs += 1;
      if (state.keysDown) return sendJson(res, 503, { error: 'unavailable' });
      return sendJson(res, 200, { keys: keys.map((key) => key.publicJwk) });
    }
    sendJson(res, 404, { error: 'not_found' });
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = issuer;
  state.jwksUri = `${issuer}/oauth2/v3/certs`;
  state.metadataUrl = `${issuer}/computeMetadata/v1`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return state;
}

/** Asks the fake metadata server for an identity token, as a workload on the instance would. */
export async function fetchIdentityToken(
  gcp: FakeGcp,
  audience: string,
  query: { format?: 'standard' | 'full'; licenses?: boolean; account?: string } = {},
): Promise<string> {
  const params = new URLSearchParams({ audience });
  if (query.format !== undefined) params.set('format', query.format);
  if (query.licenses !== undefined) params.set('licenses', query.licenses ? 'TRUE' : 'FALSE');
  const account = encodeURIComponent(query.account ?? 'default');
  const response = await fetch(
    `${gcp.metadataUrl}/instance/service-accounts/${account}/identity?${params.toString()}`,
    { headers: { 'Metadata-Flavor': 'Google' } },
  );
  if (response.status !== 200) throw new Error(`the metadata server answered ${response.status}`);
  return response.text();
}
