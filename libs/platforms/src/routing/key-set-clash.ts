import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PlatformRegistration } from '../platform-config';

/** Why two platforms of one issuer could not be told apart by their inline keys, and the field at fault. */
export interface KeySetClash {
  /** The field of the first platform: `jwks` when its keys are at fault, `issuer` when the other's are. */
  field: 'jwks' | 'issuer';
  /** What the other platform does, worded after its name (`holds key 0 of jwks too (…)`). */
  reason: string;
}

/** Whether every key of an inline set names a `kid`: then its tokens are told apart by key id. */
export function isKeyedSet(jwks: PlatformRegistration['jwks']): boolean {
  const keys = jwks?.keys ?? [];
  return keys.length > 0 && keys.every((key) => typeof key.kid === 'string' && key.kid !== '');
}

/** The RFC 7638 thumbprint of a key, or undefined for one that lacks its required members. */
async function thumbprint(key: JWK): Promise<string | undefined> {
  try {
    return await calculateJwkThumbprint(key, 'sha256');
  } catch {
    return undefined;
  }
}

async function thumbprints(keys: readonly JWK[]): Promise<(string | undefined)[]> {
  return Promise.all(keys.map(thumbprint));
}

/**
 * Whether two platforms found by the same issuer could be told apart by their inline keys: by key id
 * only, so neither may hold a key of the other (compared by RFC 7638 thumbprint, whatever their
 * `kid`), and a set with a key without `kid` (which a token without `kid`, or with a key id of
 * neither, could not be routed past) may not share its issuer. Platforms whose keys are fetched are
 * not compared here: their issuer routes say whether they clash.
 */
export async function keySetClash(
  mine: PlatformRegistration,
  theirs: PlatformRegistration,
): Promise<KeySetClash | undefined> {
  if (mine.issuer !== theirs.issuer || mine.jwks === undefined || theirs.jwks === undefined) return undefined;
  const ours = await thumbprints(mine.jwks.keys);
  const others = new Set(await thumbprints(theirs.jwks.keys));
  const shared = ours.findIndex((print) => print !== undefined && others.has(print));
  if (shared !== -1) {
    return {
      field: 'jwks',
      reason: `holds key ${shared} of jwks too (RFC 7638 thumbprint ${ours[shared]})`,
    };
  }
  if (!isKeyedSet(mine.jwks)) {
    return {
      field: 'jwks',
      reason:
        'answers to this issuer by key id, and jwks has a key without kid: platforms of one issuer are told apart by kid',
    };
  }
  if (!isKeyedSet(theirs.jwks)) {
    return {
      field: 'issuer',
      reason: 'answers to this issuer with keys without kid: platforms of one issuer are told apart by kid',
    };
  }
  return undefined;
}
