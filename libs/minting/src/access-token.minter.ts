import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { MintingError } from './minting.error';
import type { SigningKeyStore } from './signing-key.store';

/** What to put in an access token. */
export interface MintInput {
  issuer: string;
  subject: string;
  audience: string[];
  scopes: string[];
  /** The workload's platform subject (`client_id`, RFC 9068 §2.2). */
  clientId: string;
  ttlSeconds: number;
  now: Date;
  /** Extra claims; they never replace a registered claim. */
  claims?: Record<string, unknown>;
  /** The actor of a delegation (RFC 8693 §4.1). */
  act?: Record<string, unknown>;
}

/** An access token whose claims are fixed, the facts the audit event records about it. */
export interface TokenClaims {
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
  kid: string;
}

/** A signed access token and the facts the audit event records about it. */
export interface MintedToken extends TokenClaims {
  token: string;
}

/** An access token being signed: its claims are known at once, the compact JWS once `signed` resolves. */
export interface SigningToken extends TokenClaims {
  signed: Promise<string>;
}

/** Claims the broker sets itself; extra claims with these names are dropped. */
const REGISTERED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'act',
  'may_act',
  'cnf',
]);

/** Signs RFC 9068 JWT access tokens (`typ: at+jwt`) with the current signing key, from memory. */
export class AccessTokenMinter {
  constructor(private readonly keys: SigningKeyStore) {}

  /** Mints one access token. */
  async mint(input: MintInput): Promise<MintedToken> {
    const { signed, ...claims } = this.start(input);
    return { ...claims, token: await signed };
  }

  /**
   * Fixes an access token's claims and starts signing it: what is known before the signature (to
   * audit it, say) need not wait for it.
   *
   * @throws {MintingError} at once for input no token can be minted from.
   */
  start(input: MintInput): SigningToken {
    assertMintable(input);
    const key = this.keys.current();
    const iat = Math.floor(input.now.getTime() / 1000);
    const exp = iat + input.ttlSeconds;
    const jti = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    const payload: JWTPayload = {
      ...extraClaims(input.claims),
      iss: input.issuer,
      sub: input.subject,
      aud: input.audience.length === 1 ? input.audience[0] : [...input.audience],
      exp,
      iat,
      jti,
      client_id: input.clientId,
      ...(input.scopes.length > 0 ? { scope: input.scopes.join(' ') } : {}),
      ...(input.act ? { act: input.act } : {}),
    };
    const signed = new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
    return { signed, jti, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000), kid: key.kid };
  }
}

function extraClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!claims) return {};
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !REGISTERED_CLAIMS.has(name)));
}

function assertMintable(input: MintInput): void {
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
    throw new MintingError('invalid_mint_input', 'ttlSeconds must be a positive integer');
  }
  if (input.audience.length === 0) {
    throw new MintingError('invalid_mint_input', 'An access token needs at least one audience');
  }
  if (Number.isNaN(input.now.getTime())) {
    throw new MintingError('invalid_mint_input', 'now is not a valid date');
  }
}
