import { sign as cryptoSign, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf } from '../support/broker-harness';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { createTestCertificate } from '../support/test-certificate';
import { expectRefusal, type Refusal } from './support/expect-refusal';
import {
  b64,
  forgeKey,
  hmac,
  serviceAccountClaims,
  sign,
  signSegments,
  splitJws,
  type ForgeKey,
} from './support/jws-forge';
import {
  BROKER_AUDIENCE,
  FORGE_B_ISSUER,
  FORGE_ISSUER,
  SERVED_ISSUER,
  startHostileWorld,
  type HostileWorld,
} from './support/hostile-world';

const REFUSED = { status: 400, error: 'invalid_request', code: 'credential_rejected' } as const;
const MALFORMED: Refusal = { ...REFUSED, reason: /not|repeats|critical|unencoded|no algorithm/ };
const BAD_SIGNATURE: Refusal = { ...REFUSED, reason: /signature is invalid/ };
/** An unknown kid: no key of the platform, or (where platforms of one issuer are told apart by kid) no platform. */
const NO_KEY: Refusal = {
  ...REFUSED,
  reason: /no key of the platform matches|several keys of the platform match|no registered platform/,
};
/** The order of the P-256 group: a scalar at or above it is out of range (SEC 1 §4.1.4). */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

type Forge = (world: HostileWorld) => Promise<string> | string;

describe('hostile JWS structure and cryptography', () => {
  let world: HostileWorld;
  const attacker: ForgeKey = forgeKey('attacker', 'ES256');

  beforeAll(async () => {
    world = await startHostileWorld();
  });

  afterAll(async () => {
    await world.close();
  });

  const claims = (w: HostileWorld, issuer = FORGE_ISSUER) =>
    serviceAccountClaims(issuer, BROKER_AUDIENCE, w.clock.now());
  const ecWith = (w: HostileWorld, signature: Buffer) => {
    const token = sign(w.keys.ec, claims(w));
    return `${token.slice(0, token.lastIndexOf('.'))}.${signature.toString('base64url')}`;
  };
  const scalar = (value: Buffer) => Buffer.concat([Buffer.alloc(32 - value.length), value]);

  it('a token the suite signs with the forge platform’s key is exchanged (the control)', async () => {
    const outcome = await world.send({
      method: 'POST',
      body: formOf({
        grant_type: TOKEN_EXCHANGE,
        subject_token: sign(world.keys.rsa, claims(world)),
        subject_token_type: JWT_TYPE,
      }),
    });
    expect(outcome.status, JSON.stringify(outcome)).toBe(200);
  });

  it.each<[string, Forge, Refusal]>([
    ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, Forge, Refusal] => [
      `alg ${alg} with an empty signature`,
      (w) => `${b64({ alg, kid: 'rsa' })}.${b64(claims(w))}.`,
      { ...REFUSED, reason: /signing algorithm is not allowed/ },
    ]),
    [
      'HS256 keyed with the RSA public key as PEM',
      (w) =>
        hmac(
          createPublicKey(w.keys.rsa.privateKey).export({ type: 'spki', format: 'pem' }),
          { alg: 'HS256', kid: 'rsa' },
          b64(claims(w)),
        ),
      { ...REFUSED, reason: /signing algorithm is not allowed/ },
    ],
    [
      'HS256 keyed with the RSA public key as DER',
      (w) =>
        hmac(
          createPublicKey(w.keys.rsa.privateKey).export({ type: 'spki', format: 'der' }),
          { alg: 'HS256', kid: 'rsa' },
          b64(claims(w)),
        ),
      { ...REFUSED, reason: /signing algorithm is not allowed/ },
    ],
    [
      'random bytes as the signature under the trusted kid',
      (w) => {
        const token = sign(w.keys.rsa, claims(w));
        return `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(256, 7).toString('base64url')}`;
      },
      BAD_SIGNATURE,
    ],
    [
      'a jwk header carrying the attacker’s key, signed by it',
      (w) => sign(attacker, claims(w), { kid: undefined, jwk: attacker.jwk }),
      NO_KEY,
    ],
    [
      'a jwk header under a trusted kid, signed by the attacker',
      (w) => sign(attacker, claims(w), { kid: 'ec', jwk: attacker.jwk }),
      BAD_SIGNATURE,
    ],
    [
      'a jku header naming the attacker’s key set',
      (w) => sign(attacker, claims(w), { jku: `${w.trap.url}/jku` }),
      NO_KEY,
    ],
    [
      'an x5u header naming the attacker’s certificate',
      (w) => sign(attacker, claims(w), { x5u: `${w.trap.url}/x5u` }),
      NO_KEY,
    ],
    [
      'an x5c header with a self-signed certificate whose key signed the token',
      async (w) => {
        const certificate = await createTestCertificate({ commonName: 'attacker' });
        const header = b64({ alg: 'ES256', kid: 'attacker-cert', x5c: [certificate.der] });
        const payload = b64(claims(w));
        const signature = createSign('SHA256')
          .update(`${header}.${payload}`)
          .sign({ key: certificate.keyPem, dsaEncoding: 'ieee-p1363' });
        return `${header}.${payload}.${signature.toString('base64url')}`;
      },
      NO_KEY,
    ],
    [
      'a kid with path traversal',
      (w) => sign(attacker, claims(w), { kid: '../../../../etc/passwd' }),
      NO_KEY,
    ],
    ['a kid with SQL in it', (w) => sign(attacker, claims(w), { kid: "rsa' OR '1'='1" }), NO_KEY],
    ['a kid of 8,000 characters', (w) => sign(attacker, claims(w), { kid: 'k'.repeat(8000) }), NO_KEY],
    [
      'a kid that is not a string',
      (w) => sign(attacker, claims(w), { kid: { $ne: null } }),
      { ...REFUSED, reason: /./ },
    ],
    [
      'crit naming exp',
      (w) => sign(w.keys.ec, claims(w), { crit: ['exp'], exp: 1 }),
      { ...REFUSED, reason: /critical header extensions/ },
    ],
    [
      'crit naming an unknown extension',
      (w) => sign(w.keys.ec, claims(w), { crit: ['urn:x'], 'urn:x': true }),
      { ...REFUSED, reason: /critical header extensions/ },
    ],
    [
      'an unencoded payload (b64: false, RFC 7797)',
      (w) =>
        signSegments(
          w.keys.ec,
          b64({ alg: 'ES256', kid: 'ec', b64: false, crit: ['b64'] }),
          JSON.stringify(claims(w)),
        ),
      MALFORMED,
    ],
    [
      'a JWE (five parts)',
      (w) =>
        `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'rsa' })}.${b64(Buffer.alloc(256))}.${b64(Buffer.alloc(12))}.${b64(claims(w))}.${b64(Buffer.alloc(16))}`,
      MALFORMED,
    ],
    ['a JWE header on three parts', (w) => sign(w.keys.ec, claims(w), { enc: 'A256GCM' }), MALFORMED],
    [
      'a nested JWT (cty JWT, the payload a signed token)',
      (w) =>
        signSegments(
          w.keys.ec,
          b64({ alg: 'ES256', kid: 'ec', cty: 'JWT' }),
          Buffer.from(sign(w.keys.ec, claims(w))).toString('base64url'),
        ),
      MALFORMED,
    ],
    [
      'the JSON serialization of a valid token',
      (w) => {
        const [protectedHeader, payload, signature] = sign(w.keys.ec, claims(w)).split('.');
        return JSON.stringify({ payload, protected: protectedHeader, signature });
      },
      MALFORMED,
    ],
    [
      'a header with base64 padding',
      (w) => {
        const [h, p, s] = sign(w.keys.ec, claims(w)).split('.');
        return `${h}==.${p}.${s}`;
      },
      MALFORMED,
    ],
    [
      'a header in standard base64 (+ and /)',
      (w) =>
        signSegments(
          w.keys.ec,
          Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'ec', x: '\u00fb\u00ff' })).toString('base64'),
          b64(claims(w)),
        ),
      MALFORMED,
    ],
    [
      'a payload whose last character has non-zero unused bits',
      (w) => {
        const payload = b64(claims(w));
        if (payload.length % 4 === 0) throw new Error('the payload needs a partial last group');
        const last = payload.at(-1) ?? 'A';
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const bumped = `${payload.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
        return signSegments(w.keys.ec, b64({ alg: 'ES256', kid: 'ec' }), bumped);
      },
      MALFORMED,
    ],
    [
      'a header that is invalid UTF-8',
      (w) =>
        signSegments(
          w.keys.ec,
          Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]).toString('base64url'),
          b64(claims(w)),
        ),
      MALFORMED,
    ],
    [
      'a header naming alg twice (ES256, then none)',
      (w) =>
        signSegments(
          w.keys.ec,
          Buffer.from('{"alg":"ES256","kid":"ec","alg":"none"}').toString('base64url'),
          b64(claims(w)),
        ),
      { ...REFUSED, reason: /JWS header repeats a member name/ },
    ],
    [
      'a payload naming sub twice',
      (w) => {
        const json = JSON.stringify(claims(w)).replace(
          '{',
          '{"sub":"system:serviceaccount:kube-system:admin",',
        );
        return signSegments(
          w.keys.ec,
          b64({ alg: 'ES256', kid: 'ec' }),
          Buffer.from(json).toString('base64url'),
        );
      },
      { ...REFUSED, reason: /JWS payload repeats a member name/ },
    ],
    [
      'a payload repeating a member inside kubernetes.io',
      (w) => {
        const json = JSON.stringify(claims(w)).replace(
          '"namespace":"apps"',
          '"namespace":"apps","namespace":"kube-system"',
        );
        return signSegments(
          w.keys.ec,
          b64({ alg: 'ES256', kid: 'ec' }),
          Buffer.from(json).toString('base64url'),
        );
      },
      { ...REFUSED, reason: /JWS payload repeats a member name/ },
    ],
    ['an ECDSA signature with r and s zero', (w) => ecWith(w, Buffer.alloc(64)), BAD_SIGNATURE],
    [
      'an ECDSA signature with r zero',
      (w) => ecWith(w, Buffer.concat([Buffer.alloc(32), Buffer.alloc(32, 1)])),
      BAD_SIGNATURE,
    ],
    [
      'an ECDSA signature with s equal to the group order',
      (w) => ecWith(w, Buffer.concat([Buffer.alloc(32, 1), scalar(P256_ORDER)])),
      BAD_SIGNATURE,
    ],
    [
      'an ECDSA signature with r and s above the group order',
      (w) => ecWith(w, Buffer.alloc(64, 0xff)),
      BAD_SIGNATURE,
    ],
    [
      'an ECDSA signature one byte short',
      (w) => ecWith(w, Buffer.from(splitJws(sign(w.keys.ec, claims(w))).signature, 'base64url').subarray(1)),
      BAD_SIGNATURE,
    ],
    [
      'an ECDSA signature in DER rather than IEEE P1363',
      (w) => {
        const header = b64({ alg: 'ES256', kid: 'ec' });
        const payload = b64(claims(w));
        const der = createSign('SHA256').update(`${header}.${payload}`).sign(w.keys.ec.privateKey);
        return `${header}.${payload}.${der.toString('base64url')}`;
      },
      BAD_SIGNATURE,
    ],
    [
      'a token signed by a 1,024-bit RSA key its platform serves (filtered out)',
      (w) => sign(w.keys.weak, claims(w, SERVED_ISSUER)),
      NO_KEY,
    ],
    [
      'a token signed by a key its platform marks use: enc',
      (w) => sign(w.keys.enc, claims(w, SERVED_ISSUER)),
      NO_KEY,
    ],
    [
      'ES256 in the header under the RSA key’s kid',
      (w) => signSegments(w.keys.ec, b64({ alg: 'ES256', kid: 'rsa' }), b64(claims(w))),
      { ...REFUSED, reason: /no key|signature/ },
    ],
    [
      'RS384 in the header under an RS256 key',
      (w) => sign(w.keys.rsa, claims(w), { alg: 'RS384' }),
      { ...REFUSED, reason: /no key|signature/ },
    ],
    [
      'PS256 in the header over an RS256 signature',
      (w) => sign(w.keys.rsa, claims(w), { alg: 'PS256' }),
      { ...REFUSED, reason: /no key|signature/ },
    ],
    [
      'EdDSA in the header under the EC key’s kid',
      (w) => sign(w.keys.ec, claims(w), { alg: 'EdDSA' }),
      { ...REFUSED, reason: /no key|signature/ },
    ],
    [
      'a kid shared by two platforms, signed by the other platform’s key',
      (w) => sign(w.keys.sharedB, claims(w, FORGE_ISSUER)),
      BAD_SIGNATURE,
    ],
    [
      'a kid shared by two platforms, the other way round',
      (w) => sign(w.keys.shared, claims(w, FORGE_B_ISSUER)),
      BAD_SIGNATURE,
    ],
    [
      'an Ed25519 key’s signature under a fresh kid',
      (w) => {
        const { privateKey } = generateKeyPairSync('ed25519');
        const header = b64({ alg: 'EdDSA', kid: 'ed' });
        const payload = b64(claims(w));
        return `${header}.${payload}.${cryptoSign(null, Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
      },
      NO_KEY,
    ],
  ])('%s is refused and audited, fetching nothing from headers', async (_name, forge, refusal) => {
    const token = await forge(world);
    const outcome = await world.send({
      method: 'POST',
      body: formOf({ grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: JWT_TYPE }),
    });
    expectRefusal(outcome, refusal);
    expect(world.trap.hits).toBe(0);
  });

  it.each<[string, Record<string, string>, Refusal]>([
    [
      'the jwt-bearer grant (RFC 7523 §3.1)',
      { grant_type: JWT_BEARER },
      { status: 400, error: 'invalid_grant', code: 'credential_rejected' },
    ],
    [
      'a client assertion (RFC 7523 §3.2)',
      { grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION },
      { status: 401, error: 'invalid_client', code: 'credential_rejected' },
    ],
  ])('alg none through %s is refused with that grant’s error', async (_name, grant, refusal) => {
    const token = `${b64({ alg: 'none' })}.${b64(claims(world))}.`;
    const field =
      grant.grant_type === JWT_BEARER
        ? 'assertion'
        : grant.grant_type === TOKEN_EXCHANGE
          ? 'subject_token'
          : 'client_assertion';
    expectRefusal(await world.send({ method: 'POST', body: formOf({ ...grant, [field]: token }) }), refusal);
  });
});
