import type { JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { COMMON_IDENTITY_FIELDS } from '../identity-fields';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { JWT_TOKEN_TYPES } from '../registry/adapter-registry';
import { createSigningKey, signToken, unsignedToken, type TestSigningKey } from '../testing/signing-key';
import { verifyJwtWith } from '../testing/verify-token';
import { gcpAdapter } from './gcp.adapter';

const NOW = 1_750_000_000;
const ISSUER = 'https://accounts.google.com';
const AUDIENCE = 'https://broker.example/token';
const ACCOUNT_ID = '108914023563917265834';
const ACCOUNT_EMAIL = '493027118265-compute@developer.gserviceaccount.com';
const [JWT_TYPE = ''] = JWT_TOKEN_TYPES;

interface Keys {
  google: TestSigningKey;
  ec: TestSigningKey;
  impostor: TestSigningKey;
}

const computeEngine = {
  instance_creation_timestamp: NOW - 86_400,
  instance_id: '7046172935828107613',
  instance_name: 'payments-worker-1',
  license_id: ['3853522013536123851'],
  project_id: 'payments-prod-4821',
  project_number: 493027118265,
  zone: 'europe-west1-b',
};

/** A `format=full&licenses=TRUE` metadata-server token, claim for claim. */
function metadataClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    aud: AUDIENCE,
    azp: ACCOUNT_ID,
    email: ACCOUNT_EMAIL,
    email_verified: true,
    exp: NOW + 3600,
    google: { compute_engine: computeEngine },
    iat: NOW,
    iss: ISSUER,
    sub: ACCOUNT_ID,
    ...overrides,
  };
}

function withInstance(changes: Record<string, unknown>): JWTPayload {
  return metadataClaims({ google: { compute_engine: { ...computeEngine, ...changes } } });
}

/** A Sign-In with Google ID token of a user, with the broker as its audience. */
function userClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    iss: ISSUER,
    azp: '407408718192-hq3q4kdmk5bqk6v0jm8a3s2mh4v9e1rb.apps.googleusercontent.com',
    aud: AUDIENCE,
    sub: '117430281950375816204',
    email: 'alice.example@gmail.com',
    email_verified: true,
    at_hash: 'sX1kqq3XoQ0Gv2yHkqcY1A',
    name: 'Alice Example',
    iat: NOW,
    exp: NOW + 3600,
    ...overrides,
  };
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'gcp-1',
    name: 'google',
    kind: 'gcp',
    issuer: ISSUER,
    jwks: { keys: [keys.google.publicJwk, keys.ec.publicJwk] },
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
    ...overrides,
  };
}

function verify(token: string, platform: PlatformConfig) {
  const ctx = {
    now: new Date(NOW * 1000),
    keys: new KeyResolver({ fetch: () => Promise.reject(new Error('offline')) }),
    allowHttp: false,
  };
  return verifyJwtWith(gcpAdapter, token, platform, ctx);
}

describe('gcpAdapter.verify', () => {
  let keys: Keys;

  beforeAll(async () => {
    const [google, ec, impostor] = await Promise.all([
      createSigningKey('RS256', '6a8ba5652a7044121d4fedac8f14d14c54e4895b'),
      createSigningKey('ES256', 'ec-key'),
      createSigningKey('RS256', '6a8ba5652a7044121d4fedac8f14d14c54e4895b'),
    ]);
    keys = { google, ec, impostor };
  });

  it('accepts a format=full metadata-server token and normalizes its identity', async () => {
    const token = await signToken(keys.google, metadataClaims(), { typ: 'JWT' });
    const verified = await verify(token, platformFor(keys));
    expect(verified.identity).toEqual({
      platform: 'google',
      kind: 'gcp',
      issuer: ISSUER,
      subject: ACCOUNT_ID,
      audience: [AUDIENCE],
      issuedAt: NOW,
      expiresAt: NOW + 3600,
      serviceAccountId: ACCOUNT_ID,
      serviceAccountEmail: ACCOUNT_EMAIL,
      projectId: 'payments-prod-4821',
      projectNumber: '493027118265',
      zone: 'europe-west1-b',
      instanceId: '7046172935828107613',
      instanceName: 'payments-worker-1',
      instanceCreationTimestamp: NOW - 86_400,
      licenseIds: ['3853522013536123851'],
    });
    expect(verified.expiresAt).toBe(NOW + 3600);
    expect(verified.tokenId).toBeUndefined();
    expect(verified.replayKey).toMatch(/^sha256 /);
    expect(verified.claims.google).toEqual({ compute_engine: computeEngine });
  });

  it('sets only declared identity fields, each of its declared CEL type', async () => {
    const { identity } = await verify(await signToken(keys.google, metadataClaims()), platformFor(keys));
    const declared = { ...COMMON_IDENTITY_FIELDS, ...gcpAdapter.identityFields };
    const celType = (value: unknown) =>
      Array.isArray(value)
        ? 'list'
        : Number.isInteger(value)
          ? 'int'
          : typeof value === 'string'
            ? 'string'
            : '?';
    for (const [field, value] of Object.entries(identity))
      expect([field, celType(value)]).toEqual([field, declared[field]]);
    expect(Object.keys(gcpAdapter.identityFields).filter((field) => !(field in identity))).toEqual([]);
  });

  type Accepted = [name: string, claims: JWTPayload, expected: Record<string, unknown>, absent: string[]];
  const accepted: Accepted[] = [
    [
      'a token from Cloud Run or Cloud Functions (no google.compute_engine)',
      metadataClaims({ google: undefined }),
      { serviceAccountId: ACCOUNT_ID, serviceAccountEmail: ACCOUNT_EMAIL },
      ['projectId', 'projectNumber', 'zone', 'instanceId', 'instanceName', 'instanceCreationTimestamp'],
    ],
    [
      'a token requested without licenses=TRUE',
      withInstance({ license_id: undefined }),
      { instanceId: '7046172935828107613' },
      ['licenseIds'],
    ],
    [
      'IDs sent as numbers or strings, normalized to strings',
      withInstance({ project_number: '493027118265', instance_id: 7046172935828107, license_id: [5, '6'] }),
      { projectNumber: '493027118265', instanceId: '7046172935828107', licenseIds: ['5', '6'] },
      [],
    ],
    [
      'an instance block carrying only some members',
      metadataClaims({ google: { compute_engine: { project_id: 'payments-prod-4821' } } }),
      { projectId: 'payments-prod-4821' },
      ['projectNumber', 'instanceId', 'zone'],
    ],
    ['no azp (an IAM Credentials token)', metadataClaims({ azp: undefined }), { subject: ACCOUNT_ID }, []],
    [
      'azp naming the account by its email',
      metadataClaims({ azp: ACCOUNT_EMAIL }),
      { subject: ACCOUNT_ID },
      [],
    ],
    [
      'a service agent of a Google service',
      metadataClaims({ email: 'service-493027118265@gcp-sa-pubsub.iam.gserviceaccount.com' }),
      { serviceAccountEmail: 'service-493027118265@gcp-sa-pubsub.iam.gserviceaccount.com' },
      [],
    ],
    ['a jti, kept as tokenId', metadataClaims({ jti: 'f3b1c2' }), { tokenId: 'f3b1c2' }, []],
    [
      'an audience list holding the broker',
      metadataClaims({ aud: ['x', AUDIENCE] }),
      { audience: ['x', AUDIENCE] },
      [],
    ],
    ['expired within the clock skew', metadataClaims({ exp: NOW - 30, iat: NOW - 3630 }), {}, []],
    ['iat within the clock skew', metadataClaims({ iat: NOW + 30, exp: NOW + 3630 }), {}, []],
    ['exactly the one-hour cap', metadataClaims({ exp: NOW + 3600 }), {}, []],
  ];

  it.each(accepted)('accepts %s', async (_name, claims, expected, absent) => {
    const { identity } = await verify(await signToken(keys.google, claims), platformFor(keys));
    expect(identity).toMatchObject(expected);
    for (const field of absent) expect(identity).not.toHaveProperty(field);
  });

  type Refused = [
    name: string,
    make: (k: Keys) => Promise<string>,
    code: string,
    message: RegExp,
    platform?: Partial<PlatformConfig>,
  ];
  const sign = (claims: JWTPayload) => (k: Keys) => signToken(k.google, claims);
  const refused: Refused[] = [
    ['not a JWT', () => Promise.resolve('not-a-jwt'), 'malformed', /compact JWS/],
    [
      'an ES256 token (Google signs RS256 only)',
      (k) => signToken(k.ec, metadataClaims()),
      'algorithm_not_allowed',
      /algorithm/,
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none' }, metadataClaims(), 'c2ln')),
      'algorithm_not_allowed',
      /algorithm/,
    ],
    ['a bad signature', (k) => signToken(k.impostor, metadataClaims()), 'signature_invalid', /signature/],
    [
      'an unknown kid',
      (k) => signToken(k.google, metadataClaims(), { kid: 'rotated-away' }),
      'key_not_found',
      /no key/,
    ],
    [
      'the scheme-less issuer accounts.google.com',
      sign(metadataClaims({ iss: 'accounts.google.com' })),
      'issuer_not_trusted',
      /issuer/,
    ],
    [
      'another issuer',
      sign(metadataClaims({ iss: 'https://securetoken.google.com/p' })),
      'issuer_not_trusted',
      /issuer/,
    ],
    ['an expired token', sign(metadataClaims({ exp: NOW - 61, iat: NOW - 3661 })), 'expired', /expired/],
    ['iat in the future', sign(metadataClaims({ iat: NOW + 61 })), 'issued_in_future', /future/],
    ['a lifetime over one hour', sign(metadataClaims({ exp: NOW + 3601 })), 'lifetime_too_long', /lifetime/],
    [
      'a lifetime over a lowered cap',
      sign(metadataClaims()),
      'lifetime_too_long',
      /lifetime/,
      { settings: { maxTokenLifetimeSeconds: 600 } },
    ],
    ['no exp', sign(metadataClaims({ exp: undefined })), 'missing_claim', /"exp"/],
    [
      'a wrong audience',
      sign(metadataClaims({ aud: 'https://run.example.app' })),
      'audience_mismatch',
      /audience/,
    ],
    ['no audience', sign(metadataClaims({ aud: undefined })), 'missing_claim', /"aud"/],
    [
      'a Google user ID token',
      sign(userClaims()),
      'claim_invalid',
      /"email" claim does not name a service account: Google user ID tokens/,
    ],
    [
      'a Google Workspace user ID token',
      sign(userClaims({ email: 'alice@corp.example', hd: 'corp.example' })),
      'claim_invalid',
      /Google user ID tokens/,
    ],
    [
      'a user ID token without email scope',
      sign(userClaims({ email: undefined, email_verified: undefined })),
      'missing_claim',
      /"email" claim is missing: request the identity token with format=full/,
    ],
    [
      'a format=standard token (no email)',
      sign(metadataClaims({ email: undefined, email_verified: undefined, google: undefined })),
      'missing_claim',
      /format=full/,
    ],
    [
      'an email in a look-alike domain',
      sign(metadataClaims({ email: 'deployer@evilgserviceaccount.com' })),
      'claim_invalid',
      /Google user ID tokens/,
    ],
    [
      'an email that only looks like a service account',
      sign(metadataClaims({ email: 'deployer@gserviceaccount.com.attacker.example' })),
      'claim_invalid',
      /Google user ID tokens/,
    ],
    ['a non-string email', sign(metadataClaims({ email: 42 })), 'claim_invalid', /service account/],
    ['an unverified email', sign(metadataClaims({ email_verified: false })), 'claim_invalid', /not verified/],
    [
      'email_verified as the string "true"',
      sign(metadataClaims({ email_verified: 'true' })),
      'claim_invalid',
      /not verified/,
    ],
    [
      'no email_verified',
      sign(metadataClaims({ email_verified: undefined })),
      'missing_claim',
      /"email_verified"/,
    ],
    ['no sub', sign(metadataClaims({ sub: undefined })), 'missing_claim', /"sub" claim is missing/],
    [
      'a sub that is not a unique ID',
      sign(metadataClaims({ sub: ACCOUNT_EMAIL })),
      'claim_invalid',
      /"sub" claim is not a service account unique ID/,
    ],
    [
      'an azp naming an OAuth client',
      sign(metadataClaims({ azp: '32555940559.apps.googleusercontent.com' })),
      'claim_invalid',
      /"azp"/,
    ],
    ['a non-string azp', sign(metadataClaims({ azp: 7 })), 'claim_invalid', /"azp" claim is invalid/],
    [
      'a google claim that is not an object',
      sign(metadataClaims({ google: 'x' })),
      'claim_invalid',
      /"google"/,
    ],
    [
      'a compute_engine claim that is a list',
      sign(metadataClaims({ google: { compute_engine: [] } })),
      'claim_invalid',
      /"google.compute_engine"/,
    ],
    [
      'a negative project number',
      sign(withInstance({ project_number: -1 })),
      'claim_invalid',
      /project_number/,
    ],
    [
      'a fractional project number',
      sign(withInstance({ project_number: 1.5 })),
      'claim_invalid',
      /project_number/,
    ],
    [
      'an instance id with letters',
      sign(withInstance({ instance_id: 'i-0abc' })),
      'claim_invalid',
      /instance_id/,
    ],
    ['an empty zone', sign(withInstance({ zone: '' })), 'claim_invalid', /zone/],
    ['a numeric instance name', sign(withInstance({ instance_name: 3 })), 'claim_invalid', /instance_name/],
    [
      'a creation timestamp as a string',
      sign(withInstance({ instance_creation_timestamp: '1616595847' })),
      'claim_invalid',
      /instance_creation_timestamp/,
    ],
    [
      'a license list that is a string',
      sign(withInstance({ license_id: '1' })),
      'claim_invalid',
      /license_id/,
    ],
  ];

  it.each(refused)('refuses %s', async (_name, make, code, message, overrides) => {
    const token = await make(keys);
    const error: unknown = await verify(token, platformFor(keys, overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });
});

describe('gcpAdapter.settingsSchema', () => {
  it.each([
    [{}, true],
    [{ maxTokenLifetimeSeconds: 900 }, true],
    [{ maxTokenLifetimeSeconds: 3600 }, true],
    [{ maxTokenLifetimeSeconds: 3601 }, false],
    [{ maxTokenLifetimeSeconds: 0 }, false],
    [{ maxTokenLifetimeSeconds: 1.5 }, false],
    [{ maxTokenLifetimeSeconds: '900' }, false],
    [{ projectId: 'payments-prod-4821' }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(gcpAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });

  it('has a one-hour default cap', () => {
    expect(gcpAdapter.defaultMaxCredentialAgeSeconds).toBe(3600);
  });
});

describe('gcpAdapter.registrationProblems', () => {
  const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
  const base = {
    name: 'google',
    kind: 'gcp' as const,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it.each([
    ['Google with discovery', {}, []],
    ['Google with its key URL', { jwksUri: 'https://www.googleapis.com/oauth2/v3/certs' }, []],
    ['Google with inline keys', { jwks }, []],
    ['a loopback issuer', { issuer: 'http://127.0.0.1:8443' }, []],
    ['the scheme-less issuer', { issuer: 'accounts.google.com' }, ['issuer']],
    ['the scheme-less issuer with inline keys', { issuer: 'accounts.google.com', jwks }, ['issuer']],
    ['an http non-loopback issuer', { issuer: 'http://accounts.google.com' }, ['issuer']],
    ['both jwks and jwksUri', { jwks, jwksUri: 'https://www.googleapis.com/oauth2/v3/certs' }, ['jwksUri']],
    ['no audiences', { audiences: [] }, ['audiences']],
  ])('%s', (_name, overrides, fields) => {
    const problems = gcpAdapter.registrationProblems({ ...base, ...overrides }, false);
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it('points the scheme-less issuer to the https form', () => {
    const [problem] = gcpAdapter.registrationProblems({ ...base, issuer: 'accounts.google.com' }, false);
    expect(problem?.message).toMatch(/must be https:\/\/accounts\.google\.com/);
  });
});

describe('gcpAdapter routing', () => {
  const platform = {
    name: 'google',
    kind: 'gcp' as const,
    issuer: ISSUER,
    jwks: { keys: [{ kty: 'RSA', kid: 'k1' }] },
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it('answers to its exact issuer only, whatever its keys', () => {
    expect(gcpAdapter.routeKeys(platform)).toEqual([`iss ${ISSUER}`]);
  });

  it.each([
    ['the https issuer', { iss: ISSUER }, [`iss ${ISSUER}`]],
    [
      'the scheme-less issuer, which no registration answers to',
      { iss: 'accounts.google.com' },
      ['iss accounts.google.com'],
    ],
    ['no issuer', {}, []],
    ['a numeric issuer', { iss: 1 }, []],
  ])('locates a token with %s', (_name, claims, routes) => {
    const token = unsignedToken({ alg: 'RS256', kid: 'k1' }, { ...claims, sub: ACCOUNT_ID }, 'c2ln');
    expect(gcpAdapter.locate(presentCredential(token, JWT_TYPE, true))).toEqual(routes);
  });

  it('accepts the JWT token types and adds none', () => {
    expect(gcpAdapter.acceptsJwt).toBe(true);
    expect(gcpAdapter.extraTokenTypes).toEqual([]);
  });

  it('reads keys from the platform: discovery at the issuer by default', () => {
    const { jwks: _jwks, ...discovered } = platform;
    expect(gcpAdapter.keySource({ ...discovered, id: 'g', version: 1 })).toEqual({
      type: 'oidc-discovery',
      issuer: ISSUER,
      caBundle: undefined,
    });
  });
});
