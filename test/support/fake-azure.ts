import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import {
  createAttestedPki,
  imdsTime,
  signAttestedDocument,
  type AttestedPki,
  type TestCertificate,
} from './fake-azure-pki';

/** Options of {@link startFakeAzure}. */
export interface FakeAzureOptions {
  /** The clock every token and document is minted at: pass the broker's `TestClock.now`. */
  now: () => Date;
  /** The VM's region, in its signer certificate's name. Default `westeurope`. */
  region?: string;
}

/** A managed identity of the fake VM. */
export interface FakeManagedIdentity {
  /** The service principal's object ID: `oid` and `sub`. */
  objectId: string;
  /** The client (application) ID: `appid` / `azp`. */
  clientId: string;
  /** `xms_mirid`: the identity's ARM resource ID. */
  resourceId: string;
}

/** The fake VM that IMDS answers for. */
export interface FakeVm {
  vmId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** `xms_az_rid`: the VM's ARM resource ID. */
  resourceId: string;
}

/** What `mintAccessToken` accepts; a claim set to `undefined` in `claims` is removed. */
export interface FakeAccessTokenOptions {
  /** `aud`: the `resource` the workload asked IMDS for. */
  resource: string;
  /** Token version: 1 (`https://sts.windows.net/{tid}/`, the default) or 2. */
  version?: 1 | 2;
  /** The system-assigned identity (default) or the user-assigned one. */
  identity?: 'system' | 'user';
  /** Default the fake's tenant; another tenant's tokens are signed with the same common keys. */
  tenantId?: string;
  /** Replaces `https://sts.windows.net` or `https://login.microsoftonline.com` in `iss`. */
  issuerOrigin?: string;
  /** Default 86,700 s (24 h 5 min), as IMDS issues them. */
  lifetimeSeconds?: number;
  /** Default the fake's clock. */
  now?: Date;
  /** Adds a header `nonce`, as Microsoft Graph tokens carry. */
  graphNonce?: boolean;
  claims?: Record<string, unknown>;
}

/** What `attestedDocument` puts in the document; `subscriptionId: null` leaves it out. */
export interface FakeAttestedOptions {
  /** Without one, IMDS writes its own: the UTC time as `yyyyMMdd-HHmmss`, which the broker refuses. */
  nonce?: string;
  subscriptionId?: string | null;
  /** Default the fake's clock. */
  createdOn?: Date;
  /** Default 6 h. */
  validitySeconds?: number;
  /** Default IMDS's certificate; another one signs as a rogue would. */
  signer?: TestCertificate;
  embed?: TestCertificate[];
  content?: Record<string, unknown>;
}

/** A loopback stand-in for Entra ID (keys, discovery) and a VM's IMDS (tokens, attested data). */
export interface FakeAzure {
  tenantId: string;
  /** `http://127.0.0.1:<port>`: stands in for `https://login.microsoftonline.com`. */
  authorityHost: string;
  /** `{authorityHost}/common/discovery/v2.0/keys`: the key set every tenant shares. */
  commonKeysUri: string;
  /** `http://127.0.0.1:<port>`: stands in for `http://169.254.169.254`. */
  imdsEndpoint: string;
  vm: FakeVm;
  identities: { system: FakeManagedIdentity; user: FakeManagedIdentity };
  /** The chain IMDS signs attested documents with: pin `root` (and give `intermediate`) to trust it. */
  pki: AttestedPki;
  mintAccessToken(options: FakeAccessTokenOptions): Promise<string>;
  /** The body of `/metadata/attested/document`, as IMDS serves it. */
  attestedDocument(options?: FakeAttestedOptions): Promise<string>;
  /** Signs with a new key from now on; the previous keys stay published. */
  rotateKey(): Promise<void>;
  /** Requests served so far, per endpoint. */
  requests: { openidConfiguration: number; keys: number; identityToken: number; attestedDocument: number };
  close(): Promise<void>;
}

const PUBLIC_V1 = 'https://sts.windows.net';
const PUBLIC_V2 = 'https://login.microsoftonline.com';
const MANAGED_IDENTITY_LIFETIME_SECONDS = 86_700;
const ATTESTED_VALIDITY_SECONDS = 6 * 3600;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** As Entra publishes it: with `x5t` and the issuer template the key signs for. */
  publicJwk: JWK & { issuer: string };
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('base64url');
  const jwk = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    publicJwk: {
      kty: 'RSA',
      use: 'sig',
      kid,
      x5t: kid,
      n: jwk.n,
      e: jwk.e,
      issuer: `${PUBLIC_V2}/{tenantid}/v2.0`,
    },
  };
}

function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** What IMDS puts in a document asked for without a nonce (`20210104-195534`). */
function imdsDefaultNonce(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * Starts a fake Azure on 127.0.0.1. It serves Entra's paths — `/{tenant}/v2.0/.well-known/openid-configuration`,
 * `/common/discovery/v2.0/keys`, `/{tenant}/discovery/v2.0/keys` — and IMDS's —
 * `/metadata/identity/oauth2/token` and `/metadata/attested/document`, both requiring `Metadata: true`.
 * Tokens carry the claims of real managed-identity tokens (v1: `appid`, `idp`, `xms_az_rid`; v2:
 * `azp`; both `oid`, `tid`, `uti`, `xms_mirid`, `idtyp: app`); attested documents are signed as
 * IMDS signs them.
 */
export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const region = options.region ?? 'westeurope';
  const pki = await createAttestedPki(options.now(), region);
  let keys = [await createSigningKey()];
  const tenantId = randomUUID();
  const subscriptionId = randomUUID();
  const resourceGroup = 'payments-prod';
  const vmName = 'payments-worker-01';
  const vmResourceId = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vmName}`;
  const vm: FakeVm = {
    vmId: randomUUID(),
    subscriptionId,
    resourceGroup,
    name: vmName,
    resourceId: vmResourceId,
  };
  const identities = {
    system: { objectId: randomUUID(), clientId: randomUUID(), resourceId: vmResourceId },
    user: {
      objectId: randomUUID(),
      clientId: randomUUID(),
      resourceId: `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/payments-deployer`,
    },
  };
  const requests = { openidConfiguration: 0, keys: 0, identityToken: 0, attestedDocument: 0 };
  let base = '';

  const mintAccessToken = async (mint: FakeAccessTokenOptions): Promise<string> => {
    const version = mint.version ?? 1;
    const tid = mint.tenantId ?? tenantId;
    const identity = identities[mint.identity ?? 'system'];
    const iat = seconds(mint.now ?? options.now());
    const iss =
      version === 1
        ? `${mint.issuerOrigin ?? PUBLIC_V1}/${tid}/`
        : `${mint.issuerOrigin ?? PUBLIC_V2}/${tid}/v2.0`;
    const claims: JWTPayload = {
      aud: mint.resource,
      iss,
      iat,
      nbf: iat,
      exp: iat + (mint.lifetimeSeconds ?? MANAGED_IDENTITY_LIFETIME_SECONDS),
      aio: opaque(36),
      ...(version === 1
        ? { appid: identity.clientId, appidacr: '2', idp: `${PUBLIC_V1}/${tid}/` }
        : { azp: identity.clientId, azpacr: '2' }),
      idtyp: 'app',
      oid: identity.objectId,
      rh: `0.${opaque(40)}.`,
      sub: identity.objectId,
      tid,
      uti: opaque(16),
      ver: version === 1 ? '1.0' : '2.0',
      ...(identity === identities.user ? { xms_az_rid: vmResourceId } : {}),
      xms_idrel: '7 14',
      xms_mirid: identity.resourceId,
      ...(version === 1 ? { xms_tcdt: '1535447378' } : {}),
    };
    for (const [name, value] of Object.entries(mint.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    const [key] = keys;
    if (key === undefined) throw new Error('the fake Azure has no key');
    const header = {
      typ: 'JWT',
      alg: 'RS256',
      ...(version === 1 ? { x5t: key.kid } : {}),
      kid: key.kid,
      ...(mint.graphNonce === true ? { nonce: opaque(32) } : {}),
    };
    return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
  };

  const attestedDocument = (attested: FakeAttestedOptions = {}): Promise<string> => {
    const createdOn = attested.createdOn ?? options.now();
    const expiresOn = new Date(
      createdOn.getTime() + (attested.validitySeconds ?? ATTESTED_VALIDITY_SECONDS) * 1000,
    );
    const subscription = attested.subscriptionId === undefined ? vm.subscriptionId : attested.subscriptionId;
    const document = {
      licenseType: '',
      nonce: attested.nonce ?? imdsDefaultNonce(options.now()),
      plan: { name: '', product: '', publisher: '' },
      sku: '22_04-lts-gen2',
      ...(subscription === null ? {} : { subscriptionId: subscription }),
      timeStamp: { createdOn: imdsTime(createdOn), expiresOn: imdsTime(expiresOn) },
      vmId: vm.vmId,
      ...attested.content,
    };
    const signer = attested.signer ?? pki.signer;
    return signAttestedDocument(JSON.stringify(document), signer, { embed: attested.embed ?? [signer] });
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const imds = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const attested = url.pathname === '/metadata/attested/document';
    if (attested) requests.attestedDocument += 1;
    else requests.identityToken += 1;
    if (req.headers.metadata !== 'true') {
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'Required metadata header not specified',
      });
    }
    if (!url.searchParams.has('api-version')) {
      return send(res, 400, { error: 'Bad request. api-version was not specified in the request' });
    }
    if (attested) {
      const nonce = url.searchParams.get('nonce') ?? undefined;
      return send(res, 200, await attestedDocument(nonce === undefined ? {} : { nonce }));
    }
    const resource = url.searchParams.get('resource');
    if (resource === null) {
      return send(res, 400, {
        error: 'invalid_request',
        error_description: "Required query variable 'resource' is missing",
      });
    }
    const user = [
      url.searchParams.get('client_id'),
      url.searchParams.get('object_id'),
      url.searchParams.get('msi_res_id'),
    ];
    const identity = user.some((value) => value !== null) ? 'user' : 'system';
    const token = await mintAccessToken({ resource, identity });
    const now = seconds(options.now());
    send(res, 200, {
      access_token: token,
      client_id: identities[identity].clientId,
      expires_in: String(MANAGED_IDENTITY_LIFETIME_SECONDS),
      expires_on: String(now + MANAGED_IDENTITY_LIFETIME_SECONDS),
      ext_expires_in: String(MANAGED_IDENTITY_LIFETIME_SECONDS),
      not_before: String(now),
      resource,
      token_type: 'Bearer',
    });
  };

  const entra = (res: ServerResponse, url: URL): void => {
    const [tenant = '', ...rest] = url.pathname.slice(1).split('/');
    const path = rest.join('/');
    if (path === 'discovery/v2.0/keys') {
      requests.keys += 1;
      return send(res, 200, { keys: keys.map((key) => key.publicJwk) });
    }
    if (path === 'v2.0/.well-known/openid-configuration') {
      requests.openidConfiguration += 1;
      const issuerTenant = tenant === 'common' || tenant === 'organizations' ? '{tenantid}' : tenant;
      return send(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        issuer: `${PUBLIC_V2}/${issuerTenant}/v2.0`,
        tenant_region_scope: 'EU',
      });
    }
    send(res, 404, { error: 'invalid_tenant', error_description: 'not served by the fake' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    if (
      url.pathname === '/metadata/identity/oauth2/token' ||
      url.pathname === '/metadata/attested/document'
    ) {
      imds(req, res, url).catch((error: unknown) => send(res, 500, { error: String(error) }));
      return;
    }
    entra(res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    tenantId,
    authorityHost: base,
    commonKeysUri: `${base}/common/discovery/v2.0/keys`,
    imdsEndpoint: base,
    vm,
    identities,
    pki,
    mintAccessToken,
    attestedDocument,
    async rotateKey() {
      keys = [await createSigningKey(), ...keys];
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
